package fetch

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html/charset"
)

// snapshotTexts are the texts of the encoding snapshots under
// testdata/encodings: a feed (NAME.rss) and an article page (NAME.html)
// in each legacy encoding, written by the x/text encoder of label and
// declaring no charset. go test ./fetch -run EncodingSnapshots -update
// writes them again from this table.
var snapshotTexts = []struct {
	name, label string
	title, text string
}{
	{"big5", "big5", "市府宣布增設圖書館",
		"台北市政府今天宣布，明年起將在全市十二個行政區增設公共圖書館與自行車道，並加強公共運輸系統的服務品質。市長表示，新圖書館將延長開放時間，週末也提供兒童說故事活動與樂齡學習課程。自行車道則會串連捷運站、學校與河濱公園，讓通勤與休閒更加安全便利。市府預計分三年完成，第一期工程將於春季動工，總經費約新台幣四十億元，其中部分由中央補助。"},
	{"gb2312", "gb2312", "市政府宣布新建图书馆",
		"北京市政府今天宣布，明年起将在全市各区增设公共图书馆和自行车道，并加强公共交通系统的服务质量。市长表示，新图书馆将延长开放时间，周末还将为儿童提供讲故事活动和老年学习课程。自行车道将连接地铁站、学校和滨河公园，让通勤和休闲更加安全便利。市政府计划分三年完成，第一期工程将于春季开工，总投资约四十亿元，其中一部分由中央财政补助。"},
	{"gbk", "gbk", "市政府宣佈新建圖書館",
		"广州市政府今天宣布，明年起将在全市各区增设公共图书馆和自行车道，並加強公共交通系统的服务质量。市长表示，新图书馆将延长开放时间，周末还将为儿童提供讲故事活动和老年学习课程。自行车道将连接地铁站、学校和滨江公园，让通勤和休闲更加安全便利。市政府计划分三年完成，第一期工程将于春季开工，总投资约四十亿元，其中一部分由省财政补助。"},
	{"gb18030", "gb18030", "市政府宣布新建图书馆",
		"上海市政府今天宣布，明年起将在全市各区增设公共图书馆和自行车道，并加强公共交通系统的服务质量。市长表示，新图书馆将延长开放时间，周末还将为儿童提供讲故事活动和老年学习课程。自行车道将连接地铁站、学校和滨江公园，让通勤和休闲更加安全便利。市政府计划分三年完成，第一期工程将于春季开工，总投资约四十亿元，其中一部分由中央财政补助。"},
	{"euc-jp", "euc-jp", "都が図書館の増設を発表",
		"東京都は今日、来年から全ての区に公共図書館と自転車道を増設し、公共交通機関のサービスの質を高めると発表しました。知事によると、新しい図書館は開館時間を延長し、週末には子ども向けの読み聞かせや高齢者向けの講座も開かれます。自転車道は駅や学校、川沿いの公園を結び、通勤も散歩もより安全で便利になります。工事は三年に分けて進められ、第一期は春に始まる予定です。"},
	{"shift_jis", "shift_jis", "府が図書館の増設を発表",
		"大阪府は今日、来年から全ての市に公共図書館と自転車道を増設し、公共交通機関のサービスの質を高めると発表しました。知事によると、新しい図書館は開館時間を延長し、週末には子ども向けの読み聞かせや高齢者向けの講座も開かれます。自転車道は駅や学校、川沿いの公園を結び、通勤も散歩もより安全で便利になります。工事は三年に分けて進められ、第一期は春に始まる予定です。"},
	{"euc-kr", "euc-kr", "서울시, 도서관 확충 발표",
		"서울시는 오늘 내년부터 모든 구에 공공 도서관과 자전거 도로를 늘리고 대중교통 서비스의 질을 높이겠다고 발표했습니다. 시장은 새 도서관이 개관 시간을 연장하고 주말에는 어린이를 위한 동화 구연과 어르신을 위한 강좌도 열 것이라고 말했습니다. 자전거 도로는 지하철역과 학교, 강변 공원을 이어 출퇴근과 산책을 더욱 안전하고 편리하게 만들 것입니다. 공사는 삼 년에 걸쳐 진행됩니다."},
	{"koi8-r", "koi8-r", "Мэрия объявила о новых библиотеках",
		"Правительство Москвы сегодня объявило, что со следующего года во всех районах города будут открыты новые публичные библиотеки и велосипедные дорожки. По словам мэра, библиотеки будут работать дольше, а по выходным в них пройдут чтения для детей и занятия для пожилых людей. Дорожки соединят станции метро, школы и парки вдоль реки, и ездить на работу станет безопаснее. Работы займут три года."},
	{"windows-1251", "windows-1251", "Мэрия объявила о новых библиотеках",
		"Правительство Санкт-Петербурга сегодня объявило, что со следующего года во всех районах города будут открыты новые публичные библиотеки и велосипедные дорожки. По словам губернатора, библиотеки будут работать дольше, а по выходным в них пройдут чтения для детей и занятия для пожилых людей. Дорожки соединят станции метро, школы и парки вдоль Невы. Работы займут три года."},
	{"windows-1252", "windows-1252", "La fête du village aura lieu en août",
		"Le conseil municipal a décidé que la fête du village aurait lieu en août, près de l'église, avec un marché de producteurs et un concert en plein air. « Nous voulons que chacun s'y retrouve », a déclaré la maire. Les enfants pourront s'essayer au tir à l'arc ; les aînés, à la pétanque. Entrée : 5 € — gratuite pour les moins de 12 ans. Rendez-vous à 14 h, place de la Mairie."},
	{"iso-8859-2-pl", "iso-8859-2", "Święto wsi odbędzie się w sierpniu",
		"Rada gminy postanowiła, że tegoroczne święto wsi odbędzie się w sierpniu, obok kościoła, z targiem lokalnych producentów i koncertem pod gołym niebem. \"Chcemy, żeby każdy znalazł coś dla siebie\" - powiedziała wójt. Dzieci będą mogły spróbować łucznictwa, a starsi zagrać w bule. Wstęp kosztuje 5 zł, dla dzieci do lat dwunastu jest bezpłatny. Początek o godzinie czternastej."},
	{"iso-8859-2-cs", "iso-8859-2", "Vesnická slavnost bude v srpnu",
		"Obecní zastupitelstvo rozhodlo, že letošní vesnická slavnost se bude konat v srpnu u kostela, s trhem místních výrobců a koncertem pod širým nebem. \"Chceme, aby si každý našel něco pro sebe,\" řekla starostka. Děti si budou moci vyzkoušet lukostřelbu, starší si zahrají pétanque. Vstupné je padesát korun, děti do dvanácti let mají vstup zdarma. Začátek je ve čtrnáct hodin."},
}

func TestEncodingSnapshots(t *testing.T) {
	dir := filepath.Join("testdata", "encodings")
	if *updateGolden {
		writeEncodingSnapshots(t, dir)
	}
	// The pages are served without a charset, or with a wrong one.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		w.Write(b)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	art := NewArticleFetcher(New(Options{AllowPrivateNetworks: true}))

	for _, tt := range snapshotTexts {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := os.ReadFile(filepath.Join(dir, tt.name+".rss"))
			if err != nil {
				t.Fatalf("%v (go test ./fetch -run EncodingSnapshots -update writes it)", err)
			}
			page, err := os.ReadFile(filepath.Join(dir, tt.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(bytes.ToLower(page), []byte("charset")) || bytes.Contains(feed, []byte("encoding=")) {
				t.Fatal("the snapshot declares its encoding; it must not")
			}
			// The feed, undeclared and declared UTF-8 (wrongly).
			for _, prolog := range []string{"", `<?xml version="1.0" encoding="UTF-8"?>` + "\n"} {
				it := oneItem(t, mustParse(t, append([]byte(prolog), feed...), "application/rss+xml", "http://example.test/feed"))
				if text := plainText(it.Content); it.Title != tt.title || text != tt.text {
					t.Errorf("feed, prolog %q: title %q, text %q; want %q and %q", prolog, it.Title, text, tt.title, tt.text)
				}
			}
			// The page: decoded, and its article found, served without a
			// charset and with UTF-8 wrongly declared.
			for _, ct := range []string{"text/html", "text/html; charset=utf-8"} {
				if got := string(decodePage(page, ct)); !strings.Contains(got, tt.text) {
					t.Errorf("%s: page decoded as %q, want it to hold %q", ct, got, tt.text)
				}
				a, err := art.FetchArticle(context.Background(), srv.URL+"/"+tt.name+".html?type="+url.QueryEscape(ct))
				if err != nil {
					t.Fatalf("%s: FetchArticle: %v", ct, err)
				}
				if text := plainText(a.Content); !strings.Contains(text, tt.text) || a.Title != tt.title {
					t.Errorf("%s: article title %q, text %q; want %q and %q", ct, a.Title, text, tt.title, tt.text)
				}
			}
		})
	}
}

// writeEncodingSnapshots writes the snapshots of snapshotTexts.
func writeEncodingSnapshots(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range snapshotTexts {
		enc, _ := charset.Lookup(tt.label)
		if enc == nil {
			t.Fatalf("no encoding %q", tt.label)
		}
		feed := `<rss version="2.0"><channel><title>` + tt.title + `</title><link>http://example.test/</link>
<item><guid>http://example.test/1</guid><link>http://example.test/1</link><title>` + tt.title + `</title>
<pubDate>Fri, 27 Nov 2026 08:00:00 GMT</pubDate><description>` + tt.text + `</description></item>
</channel></rss>
`
		page := `<!DOCTYPE html>
<html><head><title>` + tt.title + `</title></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>` + tt.title + `</h1>
<p>` + tt.text + `</p>
<p>` + tt.text + `</p>
</article>
<footer>© 2026</footer></body></html>
`
		for name, body := range map[string]string{tt.name + ".rss": feed, tt.name + ".html": page} {
			b, err := enc.NewEncoder().String(body)
			if err != nil {
				t.Fatalf("%s: %s cannot be written in %s: %v", name, body, tt.label, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
