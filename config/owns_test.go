package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestOwns covers an identity's owns: (the objects it owns, for the
// cross-user check): the shapes the loader takes, what Validate refuses,
// and that the schema agrees with both.
func TestOwns(t *testing.T) {
	setRealisticEnv(t)
	_, schema := readSchema(t)
	const head = "target: https://x.example\nidentities:\n  - name: alice\n    headers: \"Authorization: Bearer x\"\n"
	tests := []struct {
		name string
		yaml string // the owns: part, under alice
		want map[string][]string
		// wantErr is a substring of the loader's or Validate's error;
		// "" for a valid file.
		wantErr string
		// loaderOnly: the schema cannot tell (a total over keys, control
		// characters, YAML nulls and repeated keys), so only the loader
		// is checked.
		loaderOnly bool
	}{
		{name: "one value", yaml: "    owns: {user_id: \"1001\"}\n", want: map[string][]string{"user_id": {"1001"}}},
		{name: "a number kept as written", yaml: "    owns: {user_id: 1001}\n", want: map[string][]string{"user_id": {"1001"}}},
		{name: "lists and several keys", yaml: "    owns:\n      orderId: [501, a-17]\n      username: alice\n",
			want: map[string][]string{"orderId": {"501", "a-17"}, "username": {"alice"}}},
		{name: "null leaves it unset", yaml: "    owns:\n", want: nil, loaderOnly: true},
		{name: "not expanded", yaml: "    owns: {user_id: \"${ALICE_ID}\"}\n", want: map[string][]string{"user_id": {"${ALICE_ID}"}}},

		{name: "a list instead of a mapping", yaml: "    owns: [\"1001\"]\n", wantErr: "identities[1] (alice): owns: want a mapping of parameter name to value or list of values"},
		{name: "a boolean", yaml: "    owns: {user_id: true}\n", wantErr: "identities[1] (alice): owns.user_id: want an id (a string or a number), got a bool"},
		{name: "a null in a list", yaml: "    owns: {user_id: [\"1\", null]}\n", wantErr: "owns.user_id[2]: want an id (a string or a number), got nothing (null)"},
		{name: "a mapping value", yaml: "    owns: {user_id: {id: 1}}\n", wantErr: "owns.user_id: want an id (a string or a number), got a mapping"},
		{name: "a key twice", yaml: "    owns:\n      user_id: \"1\"\n      user_id: \"2\"\n", wantErr: "owns: user_id is set twice (first on line 6)", loaderOnly: true},
		{name: "an empty list", yaml: "    owns: {user_id: []}\n", wantErr: "identities[1] (alice): owns.user_id: give at least one value"},
		{name: "an empty value", yaml: "    owns: {user_id: \" \"}\n", wantErr: "identities[1] (alice): owns.user_id: a value must not be empty"},
		{name: "an empty name", yaml: "    owns: {\" \": \"1\"}\n", wantErr: "a parameter name must not be empty"},
		{name: "a control character", yaml: "    owns: {user_id: \"1\\n2\"}\n", wantErr: "owns.user_id: a value must not be empty or hold control characters", loaderOnly: true},
		{name: "too many values", yaml: "    owns: {a: [1, 2, 3, 4, 5, 6, 7, 8, 9], b: [1, 2, 3, 4, 5, 6, 7, 8]}\n", wantErr: "identities[1] (alice): owns: 17 values; give at most 16", loaderOnly: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := head + tc.yaml
			c, err := parseFile("t.yml", []byte(y))
			if err == nil {
				err = c.Validate()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v; want one containing %q", err, tc.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("loading: %v", err)
				}
				if got := c.Identities[0].Owns; !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Owns = %#v; want %#v", got, tc.want)
				}
			}
			if tc.loaderOnly {
				return
			}
			serr := schema.Validate(yamlToJSON(t, y))
			if (serr == nil) != (tc.wantErr == "") {
				t.Errorf("schema: %v; the loader says %v", serr, err)
			}
		})
	}
}
