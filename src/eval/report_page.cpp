#include "report_page.h"

#include <fmt/format.h>

#include <iterator>
#include <string_view>

#include "report_format.h"
#include "tessera/version.h"

namespace tessera::report {

namespace {

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light}
body{margin:0;background:#f6f7f9;color:#1f2328;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 20px 32px}
h1{font-size:26px;margin:0 0 4px}
h1 .split{font-weight:400;color:#57606a}
h2{font-size:19px;margin:32px 0 10px}
h3{font-size:16px;margin:0}
.meta{color:#57606a;margin:0 0 10px}
.summary{margin:0;padding:10px 14px;background:#fff;border:1px solid #d8dee4;border-radius:6px}
.note{color:#57606a;font-size:13px;margin:8px 0 0}
code,.name,.lbl{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid #d8dee4;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{padding:5px 9px;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th{background:#f0f2f5;font-weight:600;border-bottom:1px solid #d8dee4}
th.name,td.name{text-align:left}
td.name{font-size:13px}
th.headline{color:#0550ae;text-decoration:underline;text-underline-offset:3px}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr:hover{background:#eef4fb}
td.best{background:#dafbe1;font-weight:700;color:#116329}
td.missing{color:#8c959f}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px;vertical-align:baseline}
figure.plot{margin:18px 0 0;padding:14px 16px 10px;background:#fff;border:1px solid #d8dee4;border-radius:6px}
figcaption p{margin:2px 0 6px;color:#57606a;font-size:13px}
figure.plot svg{display:block;max-width:100%;height:auto}
.skipped{color:#57606a;font-style:italic;margin:6px 0}
svg .area{fill:#fff}
svg .grid{stroke:#e4e7eb;stroke-width:1}
svg .grid.minor{stroke:#f1f3f5}
svg .axis{stroke:#57606a;stroke-width:1;fill:none}
svg .tick{font-size:12px;fill:#57606a}
svg .axis-title{font-size:13px;fill:#1f2328}
svg .line{fill:none;stroke-width:2;opacity:.85}
svg .ref{stroke-width:1.5;stroke-dasharray:6 4}
svg .pt{stroke:#fff;stroke-width:1.5}
svg .leader{stroke-width:1;opacity:.75}
svg .lbl{font-size:12px;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
footer{margin-top:28px;color:#8c959f;font-size:12px}
)css";

}  // namespace

std::string html_page(const std::string& title, const std::string& body) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  fmt::format_to(std::back_inserter(out), "<title>{} — tessera report</title>\n<style>{}</style>\n",
                 escape_html(title), kStyle);
  out += "</head>\n<body>\n<main>\n";
  out += body;
  fmt::format_to(std::back_inserter(out), "<footer>Rendered by tessera {}.</footer>\n",
                 TESSERA_VERSION);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace tessera::report
