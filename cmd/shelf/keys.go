package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"

	"shelf/seal"
	"shelf/service"
)

// keyFileFlag declares --key-file: the master key that wraps the people's
// keys, kept outside the database (docs/privacy.md).
func keyFileFlag(fs *flag.FlagSet) *string {
	return fs.String("key-file", "", "file holding the master key (64 hex digits, as from 'openssl rand -hex 32') that wraps the keys of people's personal data")
}

// readKeyFile reads a master key: 32 bytes written as 64 hex digits.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w (without it, Shelf cannot read or write people's personal data in the audit log)", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != seal.KeySize {
		return nil, fmt.Errorf("key file %s: want %d bytes as %d hex digits (make one with: openssl rand -hex 32)", path, seal.KeySize, 2*seal.KeySize)
	}
	return k, nil
}

// openKeyedService is openService for commands that write or read people's
// personal data: with the master key of keyFile, if given, and refusing to
// go on when the database's keys need another one (or one at all).
func openKeyedService(ctx context.Context, dsn, keyFile string, opts ...service.Option) (*service.Service, func(), error) {
	if keyFile != "" {
		k, err := readKeyFile(keyFile)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, service.WithMasterKey(k))
	}
	svc, closeDB, err := openService(ctx, dsn, opts...)
	if err != nil {
		return nil, nil, err
	}
	if err := svc.CheckKeys(ctx); err != nil {
		closeDB()
		return nil, nil, err
	}
	return svc, closeDB, nil
}
