package scanner

// The write engine of active mode (issue 11). Write rules are API rules
// (they run once, in shard 1, after the operation pass) that act only on
// objects this scan created: Writes creates them as their owner, sends the
// attacks on exactly those objects, reads them back as the owner, and
// deletes every one of them when the API rules are done. It is the only way
// a rule may send PUT, PATCH or DELETE on an item, or POST on a collection.
//
// CONTRACT (written before the implementation; helpers code against it):
//
//   a.Writes()                  nil in safe mode; the scan's one *Writes otherwise
//   w.Kinds()                   lifecycles whose create is sendable (not excluded, not an account flow)
//   w.Create(ctx, k, owner, ex) creates one object as owner; records it for clean-up
//   w.Read(ctx, o, as)          fresh GET of the item as `as` (never cached); nil when k has no item GET
//   w.Send(ctx, o, m, as, body) PUT/PATCH/DELETE on o's item as `as`; refuses objects not created here
//   w.CreateIn(ctx, k, parent, as, body) POST on k's collection under a parent object the scan created
//   w.Gone(ctx, o)              whether the owner's read-back says o no longer exists (404/410 or a deleted flag)
//   w.Forget(o)                 o was deleted by an attack: clean-up checks it instead of deleting again
//   w.Cleanup(ctx)              deletes everything created (owner, then admin); called by the engine
//   w.Probe(ctx, op, as, kind)  non-destructive probe of an item write whose object the scan cannot create
//   w.Target(o, method)         the *Target of o's item operation, for NewFinding
//
// Findings name the attacked operation's method and route template
// ("PUT /api/notes/{noteId}"), never the concrete id.

import (
	"github.com/authgate/authgate/scanner/objects"
)

// Object is one object the scan created.
type Object struct {
	Kind  objects.Lifecycle
	Owner *Identity
	// ID is the new object's id, as put in the item path parameter.
	ID string
	// Parents are the values of Kind.Parents, from parent objects the scan
	// created first (never values of objects that existed before).
	Parents map[string]string
	// Sent is the create body; Created the create's answer (evidence).
	Sent    []byte
	Created *Response
	// Marker is the seed-derived text the create body carries, so a
	// read-back can tell this object's data from anyone else's.
	Marker string
}
