package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"shelf"
)

// The crash test's client: each operation it sends, checked against the
// client's model of its own items when an answer comes.

// drive sends random requests, one at a time, until one gets no answer (the
// server died) or ctx ends.
func (c *crashClient) drive(ctx context.Context, hc *http.Client, base string) {
	for ctx.Err() == nil && c.pending == nil && c.failure == "" {
		c.step(ctx, hc, base)
	}
}

// step chooses one request that the client's model says is valid, sends it,
// and on an answer checks it and updates the model: one method an operation.
func (c *crashClient) step(ctx context.Context, hc *http.Client, base string) {
	lives, trash := c.byState(live), c.byState(trashed)
	cc := crashConn{ctx: ctx, hc: hc, base: base}
	switch r := c.rng.IntN(100); {
	case r < 22 && len(lives) > 0:
		c.trashOne(cc, lives)
	case r < 37 && len(lives) > 1:
		c.bulkTrash(cc, lives, trash)
	case r < 52 && len(trash) > 0:
		c.restoreOne(cc, trash)
	case r < 62 && len(c.cohorts) > 0:
		c.restoreCohort(cc, trash)
	case r < 74 && len(trash) > 0:
		c.purgeOne(cc, trash)
	case r < 77 && len(trash) > 0:
		c.emptyTrash(cc, trash)
	case r < 87:
		c.create(cc)
	case len(lives) > 0:
		c.addNote(cc, lives)
	}
}

func (c *crashClient) byState(s itemState) []*mItem {
	var out []*mItem
	for _, m := range c.items {
		if m.state == s {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *mItem) int { return int(a.id - b.id) })
	return out
}

func (c *crashClient) pick(ms []*mItem) *mItem { return ms[c.rng.IntN(len(ms))] }

func itemIDsOf(ms []*mItem) []int64 {
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.id)
	}
	return ids
}

func sameIDs(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// crashConn is where the client sends its requests.
type crashConn struct {
	ctx  context.Context
	hc   *http.Client
	base string
}

// send sends one request as pending p. It reports false when no answer came
// (the request stays pending, to be resolved from the database after the
// kill) or the answer was not want (the client fails).
func (c *crashClient) send(cc crashConn, p *pendingOp, method, path string, body any, want int) (httpResult, bool) {
	c.pending = p
	res := call(cc.ctx, cc.hc, cc.base, c.token, method, path, body)
	if res.err != nil {
		return res, false // unacknowledged: resolved from the database after the kill
	}
	if res.status != want {
		c.failure = fmt.Sprintf("%s %s: want %d, got %d: %s", method, path, want, res.status, res.body)
		c.pending = nil
		return res, false
	}
	c.pending = nil
	return res, true
}

// ack records an acknowledged request and the audit events it must have
// written.
func (c *crashClient) ack(what string, res httpResult, events []expEvent) {
	c.acked = append(c.acked, ackedOp{what: what, reqID: res.header.Get("X-Request-Id"), events: events})
}

// trashOne moves one live item to the Trash with DELETE and remembers its cohort.
func (c *crashClient) trashOne(cc crashConn, lives []*mItem) {
	m := c.pick(lives)
	res, ok := c.send(cc, &pendingOp{kind: "trash", ids: []int64{m.id}}, "DELETE", fmt.Sprintf("/api/v1/items/%d", m.id), nil, 204)
	if !ok {
		return
	}
	cohort := res.header.Get("X-Shelf-Cohort")
	m.state, m.cohort = trashed, cohort
	c.cohorts = append(c.cohorts, cohort)
	c.ack("trash", res, []expEvent{{action: shelf.ActionItemTrash, entity: m.id, cohort: cohort}})
}

// bulkTrash deletes a few live items in one bulk request, with an id already in the Trash now and then (not_found).
func (c *crashClient) bulkTrash(cc crashConn, lives, trash []*mItem) {
	n := 2 + c.rng.IntN(min(8, len(lives)-1))
	var targets []*mItem
	for _, i := range c.rng.Perm(len(lives))[:n] {
		targets = append(targets, lives[i])
	}
	ids := make([]int64, 0, n+1)
	for _, m := range targets {
		ids = append(ids, m.id)
	}
	var notFound []int64
	if len(trash) > 0 && c.rng.IntN(2) == 0 {
		notFound = append(notFound, c.pick(trash).id) // already in the Trash: not_found
	}
	res, ok := c.send(cc, &pendingOp{kind: "bulk", ids: ids}, "POST", "/api/v1/items/bulk-delete",
		map[string][]int64{"ids": append(slices.Clone(ids), notFound...)}, 200)
	if !ok {
		return
	}
	var out shelf.BulkTrashResult
	if err := json.Unmarshal(res.body, &out); err != nil {
		c.failure = fmt.Sprintf("bulk delete: %v: %s", err, res.body)
		return
	}
	if !sameIDs(out.Trashed, ids) || !sameIDs(out.NotFound, notFound) || len(out.Blocked) != 0 || out.Cohort == "" {
		c.failure = fmt.Sprintf("bulk delete of %v (+%v in the Trash): got %s", ids, notFound, res.body)
		return
	}
	var events []expEvent
	for _, m := range targets {
		m.state, m.cohort = trashed, out.Cohort
		events = append(events, expEvent{action: shelf.ActionItemTrash, entity: m.id, cohort: out.Cohort})
	}
	c.cohorts = append(c.cohorts, out.Cohort)
	c.ack("bulk delete", res, events)
}

// restoreOne restores one item from the Trash.
func (c *crashClient) restoreOne(cc crashConn, trash []*mItem) {
	m := c.pick(trash)
	res, ok := c.send(cc, &pendingOp{kind: "restore", ids: []int64{m.id}}, "POST", fmt.Sprintf("/api/v1/trash/%d/restore", m.id), nil, 200)
	if !ok {
		return
	}
	ev := expEvent{action: shelf.ActionItemRestore, entity: m.id, cohort: m.cohort}
	m.state, m.cohort = live, ""
	c.ack("restore", res, []expEvent{ev})
}

// restoreCohort undoes one earlier delete request by its cohort: exactly its items still in the Trash come back.
func (c *crashClient) restoreCohort(cc crashConn, trash []*mItem) {
	cohort := c.cohorts[c.rng.IntN(len(c.cohorts))]
	var members []*mItem
	for _, m := range trash {
		if m.cohort == cohort {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		return
	}
	ids := itemIDsOf(members)
	res, ok := c.send(cc, &pendingOp{kind: "cohort", ids: ids, cohort: cohort}, "POST", "/api/v1/trash/restore",
		map[string]string{"cohort": cohort}, 200)
	if !ok {
		return
	}
	var out struct {
		Restored  []shelf.Item    `json:"restored"`
		Conflicts []shelf.Blocker `json:"conflicts"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		c.failure = fmt.Sprintf("restore cohort: %v: %s", err, res.body)
		return
	}
	var got []int64
	for _, it := range out.Restored {
		got = append(got, it.ID)
	}
	if !sameIDs(got, ids) || len(out.Conflicts) != 0 {
		c.failure = fmt.Sprintf("restore cohort %s: want exactly %v back, got %s", cohort, ids, res.body)
		return
	}
	var events []expEvent
	for _, m := range members {
		events = append(events, expEvent{action: shelf.ActionItemRestore, entity: m.id, cohort: cohort})
		m.state, m.cohort = live, ""
	}
	c.ack("restore cohort", res, events)
}

// purgeOne deletes one item in the Trash forever.
func (c *crashClient) purgeOne(cc crashConn, trash []*mItem) {
	m := c.pick(trash)
	ev := expEvent{action: shelf.ActionItemPurge, entity: m.id, cohort: m.cohort, notes: m.notes, loans: m.loans}
	res, ok := c.send(cc, &pendingOp{kind: "purge", ids: []int64{m.id}}, "DELETE", fmt.Sprintf("/api/v1/trash/%d", m.id), nil, 204)
	if !ok {
		return
	}
	m.state = purged
	c.ack("purge", res, []expEvent{ev})
}

// emptyTrash empties the client's Trash.
func (c *crashClient) emptyTrash(cc crashConn, trash []*mItem) {
	ids := itemIDsOf(trash)
	res, ok := c.send(cc, &pendingOp{kind: "empty", ids: ids}, "DELETE", "/api/v1/trash", nil, 200)
	if !ok {
		return
	}
	var out struct {
		Purged int `json:"purged"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil || out.Purged != len(trash) {
		c.failure = fmt.Sprintf("empty Trash of %d items: got %s (%v)", len(trash), res.body, err)
		return
	}
	var events []expEvent
	for _, m := range trash {
		events = append(events, expEvent{action: shelf.ActionItemPurge, entity: m.id, cohort: m.cohort, notes: m.notes, loans: m.loans})
		m.state = purged
	}
	c.ack("empty Trash", res, events)
}

// create creates an item under a fresh name.
func (c *crashClient) create(cc crashConn) {
	c.seq++
	name := fmt.Sprintf("c%d-new%d", c.k, c.seq)
	res, ok := c.send(cc, &pendingOp{kind: "create", name: name}, "POST", "/api/v1/items", map[string]any{"name": name, "quantity": 1}, 201)
	if !ok {
		return
	}
	var it shelf.Item
	if err := json.Unmarshal(res.body, &it); err != nil || it.ID == 0 {
		c.failure = fmt.Sprintf("create: %v: %s", err, res.body)
		return
	}
	c.items[it.ID] = &mItem{id: it.ID, name: name}
	c.ack("create", res, nil)
}

// addNote adds a note to a live item.
func (c *crashClient) addNote(cc crashConn, lives []*mItem) {
	m := c.pick(lives)
	res, ok := c.send(cc, &pendingOp{kind: "note", ids: []int64{m.id}}, "POST", fmt.Sprintf("/api/v1/items/%d/notes", m.id),
		map[string]string{"body": fmt.Sprintf("added note %d", m.notes)}, 201)
	if !ok {
		return
	}
	m.notes++
	c.ack("note", res, nil)
}
