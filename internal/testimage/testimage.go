// Package testimage makes images for tests: photos with the EXIF metadata a
// phone writes (an orientation, a GPS position, a camera serial number),
// plain PNGs, a PNG bomb's header, and a small WebP.
package testimage

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// WebP is a 150 × 100 lossy WebP (blue-purple-pink.lossy.webp from the Go
// project's golang.org/x/image test data, under its BSD licence).
//
//go:embed blue-purple-pink.lossy.webp
var WebP []byte

// Serial and GPSLatitude are what EXIFJPEG writes into a photo's metadata,
// for tests to look for after upload.
const (
	Serial       = "SN-4711-0815-CAMERA"
	GPSLatitudeD = 52
)

// Picture returns a w × h image with a gradient and a dark top-left
// quadrant, so that a test can tell which way up it is.
func Picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), 200, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{10, 10, 10, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// JPEG encodes a w × h Picture as JPEG.
func JPEG(w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Picture(w, h), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNG encodes a w × h Picture as PNG.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Picture(w, h)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// EXIFJPEG is a w × h JPEG carrying an EXIF segment as a phone writes it:
// the orientation, a GPS position (latitude GPSLatitudeD° N) and the
// camera body's serial number (Serial).
func EXIFJPEG(w, h int, orientation uint16) []byte {
	j := JPEG(w, h)
	exif := append([]byte("Exif\x00\x00"), tiff(orientation)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(exif)+2))
	seg = append(seg, exif...)
	out := append([]byte{}, j[:2]...) // SOI
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// tiff builds a big-endian TIFF structure: IFD0 with Orientation and the
// pointers to an Exif IFD (BodySerialNumber) and a GPS IFD (latitude).
func tiff(orientation uint16) []byte {
	be := binary.BigEndian
	var b []byte
	u16 := func(v uint16) { b = be.AppendUint16(b, v) }
	u32 := func(v uint32) { b = be.AppendUint32(b, v) }
	entry := func(tag, typ uint16, count, value uint32) { u16(tag); u16(typ); u32(count); u32(value) }
	const ifd0 = 8
	const ifd0Len = 2 + 3*12 + 4
	const exifIFD = ifd0 + ifd0Len
	const exifLen = 2 + 1*12 + 4
	const gpsIFD = exifIFD + exifLen
	const gpsLen = 2 + 2*12 + 4
	const serialAt = gpsIFD + gpsLen
	serial := append([]byte(Serial), 0)
	latAt := uint32(serialAt + len(serial))

	b = append(b, 'M', 'M', 0, 42)
	u32(ifd0)
	u16(3)
	entry(0x0112, 3, 1, uint32(orientation)<<16) // SHORT, left-justified
	entry(0x8769, 4, 1, exifIFD)
	entry(0x8825, 4, 1, gpsIFD)
	u32(0)
	u16(1)
	entry(0xA431, 2, uint32(len(serial)), serialAt) // BodySerialNumber
	u32(0)
	u16(2)
	entry(0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, latAt)           // GPSLatitude, 3 RATIONALs
	u32(0)
	b = append(b, serial...)
	for _, r := range [][2]uint32{{GPSLatitudeD, 1}, {31, 1}, {1234, 100}} {
		u32(r[0])
		u32(r[1])
	}
	return b
}

// PNGBomb is the start of a PNG that claims w × h pixels: a valid
// signature and header, and one tiny data chunk. Decoding it would need
// w × h × 4 bytes; its header alone must get it refused.
func PNGBomb(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	b = chunk(b, "IHDR", ihdr)
	b = chunk(b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return chunk(b, "IEND", nil)
}

func chunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// Noisy is a w × h JPEG (quality 90) with a gradient under fine noise, which
// compresses about as badly as a camera's photo does: 4,000 × 3,000 comes to
// about 4 MB. seed varies the noise, so that each seed is another file.
func Noisy(w, h int, seed uint64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 0x9e37))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.IntN(28))
			img.SetRGBA(x, y, color.RGBA{uint8(x*200/w) + n, uint8(y*200/h) + n, 100 + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
