package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/authgate/authgate/scanner/rules"
)

// maxJWTKeyFileBytes bounds a key file read: a public key, even a
// certificate chain, is a few kilobytes; a bigger file is the wrong file.
const maxJWTKeyFileBytes = 1 << 20

// jwtKeyFiles reads the user's public key files (--jwt-public-key,
// jwtPublicKeys:) for jwt-alg-confusion. An error is one line naming the
// file, never quoting it: the usage exit code, before anything is sent.
func jwtKeyFiles(paths []string) ([]rules.JWTKeyFile, error) {
	var out []rules.JWTKeyFile
	for _, p := range paths {
		data, err := readKeyFile(p)
		if err != nil {
			return nil, fmt.Errorf("jwt public key: %w", err)
		}
		f, err := rules.ParseJWTKeyFile(p, data)
		if err != nil {
			return nil, fmt.Errorf("jwt public key %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJWTKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxJWTKeyFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes; is it really a public key?", path, maxJWTKeyFileBytes)
	}
	return data, nil
}
