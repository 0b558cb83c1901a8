package shelf

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"Drill", true},
		{"Bohrmaschine für Holz", true},
		{"ドリル", true},
		{"می\u200cخواهم", true},     // U+200C, needed to write Persian
		{"👩\u200d🔧 kit", true},      // U+200D joins the emoji
		{"a\tb", false},             // C0
		{"a\x7fb", false},           // DEL
		{"a\u0085b", false},         // C1 (next line)
		{"a\u009bb", false},         // C1 (CSI)
		{"Spoof\xff", false},        // not UTF-8
		{"Spoof\xfe", false},        //
		{"\xed\xa0\x80", false},     // an encoded surrogate is not UTF-8
		{"abc\u202eexe.txt", false}, // right-to-left override
		{"a\u202ab", false},
		{"a\u202db", false},
		{"a\u2066b", false},     // left-to-right isolate
		{"a\u2069b", false},     // pop directional isolate
		{"a\u200bb", false},     // zero-width space
		{"a\u200eb", false},     // left-to-right mark
		{"a\u00adb", false},     // soft hyphen
		{"a\ufeffb", false},     // byte order mark
		{"a\u061cb", false},     // Arabic letter mark
		{"a\U000e0041b", false}, // tag character
		{"", false},
	} {
		got := ValidateName(tc.name)
		if (got == "") != tc.ok {
			t.Errorf("ValidateName(%+q) = %q, want ok=%v", tc.name, got, tc.ok)
		}
	}
}

func TestNotInNameRefusesEveryBidiControl(t *testing.T) {
	for _, span := range [][2]rune{{0x202a, 0x202e}, {0x2066, 0x2069}, {0x80, 0x9f}, {0, 0x1f}} {
		for r := span[0]; r <= span[1]; r++ {
			if !NotInName(r) {
				t.Errorf("NotInName(%U) = false, want true", r)
			}
		}
	}
}

// FuzzValidateName: a name is accepted only when it is UTF-8, not too long,
// and holds no control or format character but the two joiners.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"Drill", "gpj.\u202eexe", "a\u2066b\u2069", "a\u200bb", "\xff", "Spoof\xfe", "\xed\xa0\x80",
		"a\u0085b", "می\u200cخواهم", "👩\u200d🔧", "\ufeffx", "x\U000e0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateName(s) != "" {
			return
		}
		if !utf8.ValidString(s) || s == "" || utf8.RuneCountInString(s) > MaxNameLen {
			t.Fatalf("ValidateName accepted %+q", s)
		}
		for _, r := range s {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (unicode.Is(unicode.Cf, r) && r != 0x200c && r != 0x200d) {
				t.Fatalf("ValidateName accepted %+q with %U", s, r)
			}
		}
	})
}
