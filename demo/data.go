package demo

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
)

// User is a record of the users store, shaped like the DynamoDB item of
// the motivating service: the key user_id and the person's contact data.
type User struct {
	UserID int    `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Phone  string `json:"phone"`
}

// Order is one order of one user.
type Order struct {
	ID    int     `json:"id"`
	Item  string  `json:"item"`
	Total float64 `json:"total"`
	Owner int     `json:"owner"` // the owner's user_id
}

// Product is an entry of the public catalog.
type Product struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// seedUsers are the store's records. Only Alice and Bob have tokens and
// only Mallory, the throw-away account, a password; the others are what an
// attacker enumerates. Addresses use the reserved
// example.com domain and phone numbers the fictional 555-01xx range.
func seedUsers() map[int]User {
	users := []User{
		{UserID: AliceUserID, Name: "Alice Martin", Email: "alice.martin@example.com", Phone: "+1-202-555-0101"},
		{UserID: BobUserID, Name: "Bob Chen", Email: "bob.chen@example.com", Phone: "+1-202-555-0102"},
		{UserID: 3, Name: "Carol Diaz", Email: "carol.diaz@example.com", Phone: "+1-202-555-0103"},
		{UserID: 4, Name: "Dave Okafor", Email: "dave.okafor@example.com", Phone: "+1-202-555-0104"},
		{UserID: 5, Name: "Erin Novak", Email: "erin.novak@example.com", Phone: "+1-202-555-0105"},
		{UserID: MalloryUserID, Name: "Mallory Throwaway", Email: "mallory.throwaway@example.com", Phone: "+1-202-555-0106"},
	}
	m := make(map[int]User, len(users))
	for _, u := range users {
		m[u.UserID] = u
	}
	return m
}

// seedOrders gives every user ids of its own thousand (Alice 1001..., Bob
// 2001...), so no id is shared and an order id tells whose it is.
func seedOrders() map[int]Order {
	orders := []Order{
		{ID: AliceOrderID, Item: "Espresso beans, 1 kg", Total: 24.90, Owner: AliceUserID},
		{ID: 1002, Item: "Burr grinder", Total: 139.00, Owner: AliceUserID},
		{ID: BobOrderID, Item: "Pour-over kettle", Total: 54.50, Owner: BobUserID},
		{ID: 2002, Item: "Paper filters, 200", Total: 7.95, Owner: BobUserID},
		{ID: 3001, Item: "Milk frother", Total: 32.00, Owner: 3},
	}
	m := make(map[int]Order, len(orders))
	for _, o := range orders {
		m[o.ID] = o
	}
	return m
}

func seedProducts() []Product {
	return []Product{
		{ID: 1, Name: "Espresso beans, 1 kg", Price: 24.90},
		{ID: 2, Name: "Burr grinder", Price: 139.00},
		{ID: 3, Name: "Pour-over kettle", Price: 54.50},
		{ID: 4, Name: "Paper filters, 200", Price: 7.95},
		{ID: 5, Name: "Milk frother", Price: 32.00},
	}
}

// ordersOf returns a user's orders by id; never nil, so JSON has [].
func (s *server) ordersOf(userID int) []Order {
	out := []Order{}
	for _, o := range s.orders {
		if o.Owner == userID {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Order) int { return a.ID - b.ID })
	return out
}

// usersTable imitates what the motivating service relies on from
// DynamoDB's GetItem: a table keyed by the Number attribute user_id that
// turns the raw request value into the key and rejects malformed keys with
// a ValidationException. Its errors read like botocore's ClientError, the
// text the vulnerable twin hands to its callers.
type usersTable struct {
	items map[int]User
}

// DynamoDB's limits that decide which ValidationException a key gets.
const (
	// maxHashKeyBytes is DynamoDB's size limit of a partition key value.
	maxHashKeyBytes = 2048
)

// dynamoNumber is what DynamoDB accepts as the text of a Number.
var dynamoNumber = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// getItem looks the record up by the raw key text. ok is false when the
// key is well-formed but no record has it.
func (t usersTable) getItem(key string) (u User, ok bool, err error) {
	switch {
	case key == "":
		return User{}, false, validationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: user_id")
	case len(key) > maxHashKeyBytes:
		return User{}, false, validationError(fmt.Sprintf("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of %d bytes", maxHashKeyBytes))
	case !dynamoNumber.MatchString(key):
		return User{}, false, validationError("A value provided cannot be converted into a number")
	}
	f, err := strconv.ParseFloat(key, 64)
	if err != nil {
		return User{}, false, validationError("Number overflow. Attempting to store a number with magnitude larger than supported range")
	}
	// DynamoDB compares numbers by value: 1, 01 and 1.0 are one key.
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return User{}, false, nil
	}
	u, ok = t.items[int(f)]
	return u, ok, nil
}

// clientError reads like str(botocore.exceptions.ClientError).
type clientError struct {
	code, operation, message string
}

func (e *clientError) Error() string {
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation: %s", e.code, e.operation, e.message)
}

func validationError(msg string) error {
	return &clientError{code: "ValidationException", operation: "GetItem", message: msg}
}
