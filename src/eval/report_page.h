// The page around a report: one self-contained HTML document (inline CSS, no JavaScript, nothing
// fetched) that every report (retrieval today; classification, links, ... later) fills with its
// header, tables and plots.
#pragma once

#include <string>

namespace tessera::report {

// The whole document: title (escaped here) in <title>, body (HTML) inside <main>, a footer
// naming the tessera that rendered it.
std::string html_page(const std::string& title, const std::string& body);

}  // namespace tessera::report
