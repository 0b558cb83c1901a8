package shelf

import "time"

// Limits on photos.
const (
	MaxPhotosPerItem = 10       // live photos one item may have
	MaxPhotoBytes    = 10 << 20 // bytes of one uploaded file
	MaxPhotoPixels   = 40_000_000
	ThumbSize        = 256 // the longer side of a thumbnail, in pixels
)

// Photo is a picture of an item. Its file is stored by content hash, and
// identical pictures share one file. A photo goes to the Trash on its own
// (DeletedAt set) or with its item, and is purged with its item.
type Photo struct {
	ID          int64      `json:"id"`
	ItemID      int64      `json:"item_id"`
	ContentType string     `json:"content_type"`
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	Bytes       int64      `json:"bytes"`
	SHA256      string     `json:"sha256"`
	CreatedAt   time.Time  `json:"created_at"`
	ThumbType   string     `json:"-"`
	OwnerID     int64      `json:"-"`
	DeletedAt   *time.Time `json:"-"`
	DeletedBy   *int64     `json:"-"`
	Cohort      string     `json:"-"`
}

// Trashed reports whether the photo itself is in the Trash.
func (p Photo) Trashed() bool { return p.DeletedAt != nil }
