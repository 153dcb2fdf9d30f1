// XEP-0313 §4 query forms and results, XEP-0059 result set management, XEP-0431 full text.
#include "mam_query.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "xmppd/datetime.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd::mam {
namespace {

const Element* field(const Element& form, std::string_view var) {
  for (const Element* f : form.elements("field", ns::kDataForms))
    if (f->attr("var") == var) return f;
  return nullptr;
}

std::vector<std::string> values(const Element& f) {
  std::vector<std::string> out;
  for (const Element* v : f.elements("value", ns::kDataForms)) out.push_back(v->text());
  return out;
}

std::optional<std::string> single_value(const Element& form, std::string_view var) {
  const Element* f = field(form, var);
  if (!f) return std::nullopt;
  auto vs = values(*f);
  if (vs.empty() || vs.front().empty()) return std::nullopt;
  return vs.front();
}

Element& add_field(Element& form, std::string var, std::string type, std::string label = {}) {
  Element& f = form.add_child("field", ns::kDataForms);
  f.set_attr("var", std::move(var)).set_attr("type", std::move(type));
  if (!label.empty()) f.set_attr("label", std::move(label));
  return f;
}

}  // namespace

Element query_form() {
  Element x("x", ns::kDataForms);
  x.set_attr("type", "form");
  add_field(x, "FORM_TYPE", "hidden").add_child("value", ns::kDataForms).add_text(kMam);
  add_field(x, "with", "jid-single");
  add_field(x, "start", "text-single");
  add_field(x, "end", "text-single");
  add_field(x, "before-id", "text-single");  // XEP-0313 §5.1.3 (#extended)
  add_field(x, "after-id", "text-single");
  add_field(x, "ids", "list-multi")
      .add_child("validate", "http://jabber.org/protocol/xdata-validate")
      .set_attr("datatype", "xs:string")
      .add_child("open", "http://jabber.org/protocol/xdata-validate");
  add_field(x, kFulltextField, "text-single", "Search for");  // XEP-0431 §3
  return x;
}

std::variant<ArchiveQuery, StanzaError> read_query(const Element& query, const std::string& owner,
                                                   std::size_t max_page) {
  ArchiveQuery q;
  q.owner = owner;
  q.max = max_page;
  if (const Element* form = query.child("x", ns::kDataForms)) {
    // XEP-0313 §4.1: FORM_TYPE names the form; fields we do not know are an error (§4.1.5).
    auto type = single_value(*form, "FORM_TYPE");
    if (type && *type != kMam) return StanzaError::bad_request("unknown FORM_TYPE");
    for (const Element* f : form->elements("field", ns::kDataForms)) {
      std::string_view var = f->attr("var");
      if (var != "FORM_TYPE" && var != "with" && var != "start" && var != "end" && var != "before-id" &&
          var != "after-id" && var != "ids" && var != kFulltextField)
        return StanzaError::bad_request("unknown field " + std::string(var));
    }
    if (auto with = single_value(*form, "with")) {
      auto jid = Jid::parse(*with);
      if (!jid) return StanzaError::bad_request("'with' is not a JID");
      // §4.1.1: a bare JID matches every resource; a full JID only that one.
      q.with = jid->bare_str();
      if (!jid->is_bare()) q.with_resource = jid->resource();
    }
    if (auto start = single_value(*form, "start")) {
      q.start_us = parse_xep0082(*start);
      if (!q.start_us) return StanzaError::bad_request("'start' is not an XEP-0082 DateTime");
    }
    if (auto end = single_value(*form, "end")) {
      q.end_us = parse_xep0082(*end);
      if (!q.end_us) return StanzaError::bad_request("'end' is not an XEP-0082 DateTime");
    }
    // §4.1.3: an id that names no message of this archive: item-not-found. Ours are numbers.
    if (auto v = single_value(*form, "after-id")) {
      q.after_id = parse_archive_id(*v);
      if (!q.after_id) return StanzaError::item_not_found();
    }
    if (auto v = single_value(*form, "before-id")) {
      q.before_id = parse_archive_id(*v);
      if (!q.before_id) return StanzaError::item_not_found();
    }
    if (const Element* f = field(*form, "ids")) {
      for (const auto& v : values(*f)) {
        auto id = parse_archive_id(v);
        // An id that cannot be ours matches nothing; the rest are still answered.
        q.ids.push_back(id ? *id : -1);
      }
      if (q.ids.size() > max_page) return StanzaError::policy_violation("too many ids");
    }
    if (auto text = single_value(*form, kFulltextField)) q.fulltext = *text;  // XEP-0431 §4
  }
  if (const Element* set = query.child("set", kRsm)) {
    if (const Element* m = set->child("max", kRsm)) {
      auto v = parse_archive_id(m->text());
      if (!v) return StanzaError::bad_request("<max/> is not a number");
      q.max = std::min<std::size_t>(static_cast<std::size_t>(*v), max_page);
    }
    if (const Element* a = set->child("after", kRsm)) {
      q.page_after = parse_archive_id(a->text());
      if (!q.page_after) return StanzaError::item_not_found();  // XEP-0059 §2.6
    }
    if (const Element* b = set->child("before", kRsm)) {
      q.from_end = true;  // XEP-0059 §2.5: the page before it (or the last page when empty)
      if (!b->text().empty()) {
        q.page_before = parse_archive_id(b->text());
        if (!q.page_before) return StanzaError::item_not_found();
      }
    }
    if (set->child("index", kRsm))
      return StanzaError::feature_not_implemented();  // XEP-0059 §2.6: optional; ids page better
  }
  return q;
}

}  // namespace xmppd::mam
