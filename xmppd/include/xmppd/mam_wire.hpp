// XEP-0313 answers on the wire, for every module that answers a MAM query (mam, for accounts
// and rooms; livechat, for the staff search on chat.D): one <result/> message per record (§4.2)
// and the IQ result's <fin/> with its XEP-0059 set (§4.3).
#pragma once
#include <string>

#include "xmppd/archive.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/element.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {
namespace ns {
inline constexpr char kMam[] = "urn:xmpp:mam:2";                  // XEP-0313
inline constexpr char kRsm[] = "http://jabber.org/protocol/rsm";  // XEP-0059
}  // namespace ns

// <message><result queryid id><forwarded><delay/><message/></forwarded></result></message>
// for one record, addressed to `to`, from the archive `owner`.
inline Element mam_result_message(const ArchiveRecord& record, const std::string& queryid, const std::string& owner,
                                  const std::string& to) {
  Element m("message", ns::kClient);
  m.set_attr("from", owner).set_attr("to", to);
  Element& result = m.add_child("result", ns::kMam);
  if (!queryid.empty()) result.set_attr("queryid", queryid);
  result.set_attr("id", std::to_string(record.id));
  Element& fwd = result.add_child("forwarded", ns::kForward);
  fwd.add_child("delay", ns::kDelay).set_attr("stamp", xep0082_stamp_us(record.stamp_us));
  if (auto stanza = parse_element(record.xml)) fwd.add(std::move(*stanza));
  return m;
}

// The <fin/>: complete when the page reached the end, and the RSM set (first with its index,
// last, count).
inline Element mam_fin(const ArchivePage& page) {
  Element f("fin", ns::kMam);
  if (page.complete) f.set_attr("complete", "true");
  Element& set = f.add_child("set", ns::kRsm);
  if (!page.records.empty()) {
    Element& first = set.add_child("first", ns::kRsm);
    if (page.first_index) first.set_attr("index", std::to_string(*page.first_index));
    first.add_text(std::to_string(page.records.front().id));
    set.add_child("last", ns::kRsm).add_text(std::to_string(page.records.back().id));
  }
  if (page.count) set.add_child("count", ns::kRsm).add_text(std::to_string(*page.count));
  return f;
}

}  // namespace xmppd
