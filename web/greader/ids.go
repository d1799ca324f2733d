package greader

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"tidings/store"
)

// The stream IDs of the states, and the prefixes of labels and feeds.
const (
	stateReadingList = "user/-/state/com.google/reading-list"
	stateRead        = "user/-/state/com.google/read"
	stateStarred     = "user/-/state/com.google/starred"
	stateKeptUnread  = "user/-/state/com.google/kept-unread"
	trackingPrefix   = "user/-/state/com.google/tracking-"
	labelPrefix      = "user/-/label/"
	feedPrefix       = "feed/"
	itemPrefix       = "tag:google.com,2005:reader/item/"
)

// longID is an item's ID in its long form, 16 hex digits.
func longID(id int64) string { return fmt.Sprintf("%s%016x", itemPrefix, uint64(id)) }

// parseItemID reads an item ID in every form apps send: the long form
// (with 16 or fewer hex digits), 16 bare hex digits, or decimal. Sixteen
// digits are hex, as FreshRSS reads them: decimal IDs that long (10^15
// items) are never made.
func parseItemID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	hex, long := strings.CutPrefix(s, itemPrefix)
	var (
		n   uint64
		err error
	)
	switch {
	case long:
		if hex == "" || len(hex) > 16 {
			return 0, badRequest("item ID %q: want %s and up to 16 hex digits", clip(s), itemPrefix)
		}
		n, err = strconv.ParseUint(hex, 16, 64)
	case len(s) == 16:
		n, err = strconv.ParseUint(s, 16, 64)
	default:
		n, err = strconv.ParseUint(s, 10, 63)
	}
	if err != nil || n == 0 || n > 1<<63-1 {
		return 0, badRequest("item ID %q is not an item ID: send the long form, 16 hex digits or a decimal number", clip(s))
	}
	return int64(n), nil
}

// clip shortens what a client sent for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// stream is what a stream ID selects.
type stream struct {
	q store.Query
	// feedID and label, for the feed and label streams.
	feedID int64
	label  string
}

// userState cuts "user/<anything>/" to "user/-/", as apps send their
// user's ID in place of "-".
func userState(s string) string {
	rest, ok := strings.CutPrefix(s, "user/")
	if !ok {
		return s
	}
	_, after, ok := strings.Cut(rest, "/")
	if !ok {
		return s
	}
	return "user/-/" + after
}

// parseStream reads a stream ID: a feed (feed/<id> or feed/<url>), a label
// (user/-/label/<tag>), or the reading list, starred or read state.
func (h *handler) parseStream(c *call, id string) (stream, error) {
	id = strings.TrimSpace(id)
	if f, ok := strings.CutPrefix(id, feedPrefix); ok {
		sub, err := h.feedByStream(c, f)
		if err != nil {
			return stream{}, err
		}
		return stream{q: store.Query{FeedID: sub.ID}, feedID: sub.ID}, nil
	}
	id = userState(id)
	if l, ok := strings.CutPrefix(id, labelPrefix); ok {
		if strings.TrimSpace(l) == "" {
			return stream{}, badRequest("stream %q names no label", clip(id))
		}
		return stream{q: store.Query{Tag: l}, label: l}, nil
	}
	switch id {
	case stateReadingList:
		return stream{}, nil
	case stateStarred:
		return stream{q: store.Query{Starred: true}}, nil
	case stateRead:
		return stream{q: store.Query{Read: true}}, nil
	}
	return stream{}, badRequest("unknown stream %q: the streams are feed/<id>, user/-/label/<tag>, %s, %s and %s",
		clip(id), stateReadingList, stateStarred, stateRead)
}

// feedByStream returns the user's subscription that feed/<f> names: a feed
// ID or a feed URL.
func (h *handler) feedByStream(c *call, f string) (store.Subscription, error) {
	if f == "" {
		return store.Subscription{}, badRequest("the stream feed/ names no feed")
	}
	if id, err := strconv.ParseInt(f, 10, 64); err == nil {
		subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
		if err != nil {
			return store.Subscription{}, err
		}
		for _, s := range subs {
			if s.ID == id {
				return s, nil
			}
		}
		return store.Subscription{}, errorf(404, "you do not subscribe to a feed with ID %d", id)
	}
	return h.r.Lookup(c.ctx, c.user.ID, f)
}

// The continuation of a listing is the last item ID of the page, signed
// so that a continuation never issued is told apart. The key is the app
// password the request signed in with (see contKey).
const macLen = 12

func continuation(key []byte, lastID int64) string {
	b := binary.AppendUvarint(nil, uint64(lastID))
	b = append(b, mac(key, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func mac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

// contKey is the key of the continuations of a request's user: an HMAC of
// the user ID under the app password of the request's Auth token. Every
// tidings process on one database, before and after a restart, derives the
// same key with nothing stored, and nobody without the app password can
// make one; another user's continuation, or one of a revoked password, is
// refused.
func contKey(c *call) []byte {
	_, secret, _ := strings.Cut(c.auth, "/")
	m := hmac.New(sha256.New, []byte(secret))
	_, _ = fmt.Fprintf(m, "tidings greader continuation key, user %d", c.user.ID)
	return m.Sum(nil)
}

// parseContinuation returns the last item ID that s continues after.
func parseContinuation(key []byte, s string) (int64, error) {
	bad := badRequest("continuation %q was not issued by this server; start the listing again without c", clip(s))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) <= macLen {
		return 0, bad
	}
	payload, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, mac(key, payload)) {
		return 0, bad
	}
	id, n := binary.Uvarint(payload)
	if n != len(payload) || id == 0 || id > 1<<63-1 {
		return 0, bad
	}
	return int64(id), nil
}
