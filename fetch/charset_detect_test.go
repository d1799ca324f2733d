package fetch

import (
	"strings"
	"testing"

	"golang.org/x/net/html/charset"
)

// TestDetectUndeclaredEncodings: a feed in a legacy encoding that declares
// none (or declares UTF-8) is read right. ISO-8859-2 and windows-1250 are
// told from windows-1252 by centralEuropean (see TestCentralEuropean).
func TestDetectUndeclaredEncodings(t *testing.T) {
	tests := []struct {
		label, title, text string
	}{
		{"big5", "新聞標題", "台北市政府今天宣布，明年起將在全市各區增設公共圖書館與自行車道，並加強公共運輸系統的服務品質，讓市民的生活更加便利。"},
		{"gbk", "新闻标题", "北京市政府今天宣布，明年起将在全市各区增设公共图书馆和自行车道，并加强公共交通系统的服务质量，让市民的生活更加便利。"},
		{"gb18030", "新闻标题", "上海市政府今天宣布，明年起将在全市各区增设公共图书馆和自行车道，并加强公共交通系统的服务质量，让市民的生活更加便利。"},
		{"euc-jp", "ニュースの見出し", "東京都は今日、来年から全ての区に公共図書館と自転車道を増設し、公共交通機関のサービスの質を高めると発表しました。市民の生活がより便利になります。"},
		{"shift_jis", "ニュースの見出し", "大阪府は今日、来年から全ての市に公共図書館と自転車道を増設し、公共交通機関のサービスの質を高めると発表しました。市民の生活がより便利になります。"},
		{"euc-kr", "뉴스 제목", "서울시는 오늘 내년부터 모든 구에 공공 도서관과 자전거 도로를 늘리고 대중교통 서비스의 질을 높이겠다고 발표했습니다. 시민들의 생활이 더욱 편리해질 것입니다."},
		{"koi8-r", "Заголовок новости", "Правительство Москвы сегодня объявило, что со следующего года во всех районах города будут открыты новые публичные библиотеки и велосипедные дорожки."},
		{"windows-1251", "Заголовок новости", "Правительство Москвы сегодня объявило, что со следующего года во всех районах города будут открыты новые публичные библиотеки и велосипедные дорожки."},
		{"iso-8859-2", "Żółta łódź", "Rada gminy postanowiła, że tegoroczne święto wsi odbędzie się w sierpniu, obok kościoła, z targiem lokalnych producentów."},
		{"windows-1250", "Żółta łódź", "Rada gminy postanowiła, że tegoroczne święto wsi odbędzie się w sierpniu, obok kościoła, z targiem lokalnych producentów."},
		{"windows-1252", "Café crème", "Le conseil municipal a décidé que la fête du village aurait lieu en août, près de l'église, avec un marché de producteurs et un concert en plein air."},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			enc, _ := charset.Lookup(tt.label)
			doc := `<rss version="2.0"><channel><title>T</title><item><guid>g</guid><title>` + tt.title +
				`</title><description>` + tt.text + `</description></item></channel></rss>`
			body, err := enc.NewEncoder().String(doc)
			if err != nil {
				t.Fatal(err)
			}
			for _, prolog := range []string{"", `<?xml version="1.0" encoding="UTF-8"?>`} {
				it := oneItem(t, mustParse(t, []byte(prolog+body), "", "http://example.test/feed"))
				if it.Title != tt.title || !strings.Contains(it.Content, tt.text[:len(tt.text)/2]) {
					t.Errorf("prolog %q: title %q content %q; want %q and %q", prolog, it.Title, it.Content, tt.title, tt.text)
				}
			}
		})
	}
}
