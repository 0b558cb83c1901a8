package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"shelf/internal/testimage"
)

func TestProcessStripsMetadataAndAppliesOrientation(t *testing.T) {
	in := testimage.EXIFJPEG(120, 80, 6) // stored landscape, shown rotated 90° clockwise
	if !bytes.Contains(in, []byte(testimage.Serial)) || exifOrientation(in) != 6 {
		t.Fatal("the test photo carries no serial number or orientation")
	}
	res, err := Process(in, 40_000_000, 256)
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 80 || res.Height != 120 || res.FullType != TypeJPEG {
		t.Errorf("got %d×%d %s, want 80×120 image/jpeg (turned upright)", res.Width, res.Height, res.FullType)
	}
	for _, leak := range []string{testimage.Serial, "Exif", "MM\x00*"} {
		if bytes.Contains(res.Full, []byte(leak)) || bytes.Contains(res.Thumb, []byte(leak)) {
			t.Errorf("re-encoded photo still holds %q", leak)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(res.Full))
	if err != nil {
		t.Fatal(err)
	}
	// Rotated 90° clockwise, the dark top-left quadrant is now top-right.
	if r, _, _, _ := img.At(70, 10).RGBA(); r>>8 > 40 {
		t.Errorf("top-right pixel red %d, want dark: the orientation was not applied", r>>8)
	}
	if _, g, _, _ := img.At(10, 10).RGBA(); g>>8 < 100 {
		t.Errorf("top-left pixel green %d, want bright: the orientation was not applied", g>>8)
	}
}

func TestProcessOrientations(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		res, err := Process(testimage.EXIFJPEG(30, 20, o), 1000, 16)
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		w, h := 30, 20
		if o >= 5 {
			w, h = 20, 30
		}
		if res.Width != w || res.Height != h {
			t.Errorf("orientation %d: %d×%d, want %d×%d", o, res.Width, res.Height, w, h)
		}
	}
}

func TestProcessRefusals(t *testing.T) {
	full := testimage.JPEG(64, 64)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"text named .jpg", []byte("just some text, not an image\n"), ErrUnsupported},
		{"empty", nil, ErrUnsupported},
		{"truncated JPEG", full[:len(full)/2], ErrCorrupt},
		{"PNG bomb 20000×20000", testimage.PNGBomb(20000, 20000), ErrTooManyPixels},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ErrUnsupported},
	} {
		if _, err := Process(tc.in, 40_000_000, 256); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestProcessFormatsAndThumbnail(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        []byte
		w, h      int
		fullType  string
		thumbW    int
		thumbType string
	}{
		{"JPEG", testimage.JPEG(1024, 512), 1024, 512, TypeJPEG, 256, TypeJPEG},
		{"PNG (opaque)", testimage.PNG(300, 600), 300, 600, TypeJPEG, 128, TypeJPEG},
		{"WebP", testimage.WebP, 150, 100, TypeJPEG, 150, TypeJPEG},
		{"small PNG", testimage.PNG(40, 30), 40, 30, TypeJPEG, 40, TypeJPEG},
	} {
		res, err := Process(tc.in, 40_000_000, 256)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Width != tc.w || res.Height != tc.h || res.FullType != tc.fullType || res.ThumbType != tc.thumbType {
			t.Errorf("%s: %d×%d %s (thumb %s)", tc.name, res.Width, res.Height, res.FullType, res.ThumbType)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(res.Thumb))
		if err != nil || cfg.Width != tc.thumbW || max(cfg.Width, cfg.Height) > 256 {
			t.Errorf("%s: thumbnail %d×%d (%v), want width %d, at most 256", tc.name, cfg.Width, cfg.Height, err, tc.thumbW)
		}
		again, _ := Process(tc.in, 40_000_000, 256)
		if !bytes.Equal(again.Full, res.Full) {
			t.Errorf("%s: two uploads of one image encode differently; identical photos would not share a file", tc.name)
		}
	}
}
