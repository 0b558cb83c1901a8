package main

import (
	"context"
	"fmt"
	"testing"

	"shelf"
	"shelf/service"
)

// tokenUser is a member made before any server runs: who they are, the
// secret of their API token, and the items they own.
type tokenUser struct {
	actor shelf.Actor
	token string
	items []shelf.Item
}

// addTokenUser adds a member with an API token and one item per name, through
// the service, so that the process tests start from data Shelf itself wrote.
func addTokenUser(t *testing.T, svc *service.Service, email, name string, items ...string) tokenUser {
	t.Helper()
	ctx := context.Background()
	u, err := svc.AddUser(ctx, service.NewUser{Email: email, Name: name, Password: "password-" + email, Role: shelf.RoleMember})
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	s := tokenUser{actor: shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "setup"}}
	if _, s.token, err = svc.CreateToken(ctx, s.actor, "tests"); err != nil {
		t.Fatalf("token for %s: %v", email, err)
	}
	for _, n := range items {
		it, err := svc.CreateItem(ctx, s.actor, shelf.ItemInput{Name: n, Quantity: 1})
		if err != nil {
			t.Fatalf("item %q of %s: %v", n, email, err)
		}
		s.items = append(s.items, it)
	}
	return s
}

// numbered returns n names made by format from 0 to n-1, for addTokenUser.
func numbered(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}
