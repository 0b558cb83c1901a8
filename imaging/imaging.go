// Package imaging checks and re-encodes uploaded photos with Go's own image
// packages: it reads the size from the header before decoding any pixel (an
// image bomb is refused before it costs memory), decodes JPEG, PNG and WebP
// by their content, applies a JPEG's EXIF orientation, and encodes the
// pixels afresh, which leaves every piece of metadata behind (GPS
// positions, camera serial numbers). It also makes the thumbnail.
package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode
)

// Why an image is refused.
var (
	ErrUnsupported   = errors.New("imaging: not a JPEG, PNG or WebP image")
	ErrTooManyPixels = errors.New("imaging: too many pixels")
	ErrCorrupt       = errors.New("imaging: the image cannot be decoded")
)

// Media types of what Process makes.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// jpegQuality is the quality of re-encoded photos and thumbnails.
const (
	jpegQuality  = 90
	thumbQuality = 80
)

// Result is a processed photo: the re-encoded image and its thumbnail.
type Result struct {
	Full, Thumb         []byte
	FullType, ThumbType string
	Width, Height       int // of Full, after the orientation is applied
}

// Process checks an uploaded image and re-encodes it. It refuses anything
// that is not a JPEG, PNG or WebP (ErrUnsupported), has more than maxPixels
// pixels (ErrTooManyPixels, decided from the header alone) or does not
// decode (ErrCorrupt). The thumbnail fits in thumbSize × thumbSize.
// Photos without transparency are stored as JPEG, others as PNG (Go has no
// WebP encoder, so a WebP comes back as one of these).
func Process(b []byte, maxPixels, thumbSize int) (Result, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case errors.Is(err, image.ErrFormat):
		return Result{}, ErrUnsupported
	case err != nil:
		return Result{}, ErrCorrupt
	case cfg.Width <= 0 || cfg.Height <= 0:
		return Result{}, ErrCorrupt
	case int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels):
		return Result{}, ErrTooManyPixels
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return Result{}, ErrCorrupt
	}
	if format == "jpeg" {
		img = orient(img, exifOrientation(b))
	}
	opaque := isOpaque(img)
	var res Result
	bounds := img.Bounds()
	res.Width, res.Height = bounds.Dx(), bounds.Dy()
	if res.Full, res.FullType, err = encode(img, opaque, jpegQuality); err != nil {
		return Result{}, err
	}
	if res.Thumb, res.ThumbType, err = encode(thumbnail(img, thumbSize), opaque, thumbQuality); err != nil {
		return Result{}, err
	}
	return res, nil
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

func encode(img image.Image, opaque bool, quality int) ([]byte, string, error) {
	var buf bytes.Buffer
	if opaque {
		err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
		return buf.Bytes(), TypeJPEG, err
	}
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	return buf.Bytes(), TypePNG, err
}

// thumbnail scales img to fit in size × size, keeping its proportions; an
// image that fits already is kept as it is.
func thumbnail(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= size && h <= size {
		return img
	}
	tw, th := size, size
	if w > h {
		th = max(1, h*size/w)
	} else {
		tw = max(1, w*size/h)
	}
	// note: a bilinear pass straight down to 256 px from a photo of many
	// megapixels aliases badly; an approximate pass to four times the size
	// first, then a Catmull-Rom pass, is both fast and smooth.
	src := img
	if w > 4*tw {
		mid := image.NewRGBA(image.Rect(0, 0, 4*tw, 4*th))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), img, b, draw.Src, nil)
		src = mid
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}
