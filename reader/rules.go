package reader

import (
	"strings"

	"tidings/config"
	"tidings/store"
)

// FeedURL checks a feed URL as a person gives it and returns its canonical
// form (config.CanonicalURL): one without a scheme is taken as https.
func FeedURL(raw string) (string, error) {
	u := strings.TrimSpace(raw)
	if u != "" && !strings.Contains(u, "://") {
		u = "https://" + u
	}
	canon, err := config.CanonicalURL(u)
	if err != nil {
		// err says what is wanted: "want an absolute http:// or https:// URL".
		return "", invalidf("%q: %v", raw, err)
	}
	return canon, nil
}

// Tags checks that every tag is a simple word (config.ValidTag) and
// returns them as the store keeps them (store.CleanTags): lowercased, in
// order, without repeats.
func Tags(tags []string) ([]string, error) {
	clean := store.CleanTags(tags)
	for _, t := range clean {
		if !config.ValidTag(t) {
			return nil, invalidf("tag %q is not a simple word: use 1 to 64 letters, digits, '-', '_', '.' or '/', with no spaces", t)
		}
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return nil, invalidf("a tag cannot be empty")
		}
	}
	return clean, nil
}

// Schedule checks a schedule and returns it in the form cron reads
// (config.NormalizeSchedule); "" stays "", the default schedule.
func Schedule(spec string) (string, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return "", nil
	}
	norm, err := config.NormalizeSchedule(spec)
	if err != nil {
		// err quotes the spec already.
		return "", invalidf("schedule %v", err)
	}
	return norm, nil
}
