package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shelf"
)

// TestAuditActionsAreListed holds shelf.AuditActions to the Action
// constants the shelf package declares, and the OpenAPI document's event
// types to that list: an action added without a place in the list (so
// neither the audit filter nor a webhook could ask for it) or in the
// document fails here.
func TestAuditActionsAreListed(t *testing.T) {
	fset := token.NewFileSet()
	var declared []string
	for _, file := range []string{"../audit.go", "../event.go", "../job.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Action") {
				return true
			}
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				v, _ := strconv.Unquote(lit.Value)
				declared = append(declared, v)
			}
			return true
		})
	}
	listed := slices.Sorted(slices.Values(shelf.AuditActions))
	slices.Sort(declared)
	if len(declared) < 19 || !slices.Equal(declared, listed) {
		t.Errorf("shelf.AuditActions\n%v\nwant every Action constant\n%v", listed, declared)
	}
	if !slices.Equal(shelf.EventTypes, shelf.AuditActions) {
		t.Errorf("event types %v, want every audited action %v", shelf.EventTypes, shelf.AuditActions)
	}

	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, v := range doc.Components.Schemas["EventType"].Value.Enum {
		enum = append(enum, v.(string))
	}
	slices.Sort(enum)
	if !slices.Equal(enum, listed) {
		t.Errorf("openapi.yaml's EventType enum\n%v\nwant\n%v", enum, listed)
	}
	for _, schema := range []string{"Event", "AuditEvent"} {
		ref := doc.Components.Schemas[schema].Value.Properties["action"].Ref
		if ref != "#/components/schemas/EventType" {
			t.Errorf("openapi.yaml's %s.action is %q, want a $ref to EventType", schema, ref)
		}
	}
}
