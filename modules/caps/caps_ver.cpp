// XEP-0115 §5.1: generation of the verification string.
#include "caps_ver.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "xmppd/namespaces.hpp"

namespace xmppd::caps {
namespace {

struct Identity {
  std::string category, type, lang, name;
};

struct Field {
  std::string var;
  std::vector<std::string> values;
};

struct Form {
  std::string form_type;
  std::vector<Field> fields;
};

std::vector<std::string> values_of(const Element& field) {
  std::vector<std::string> out;
  for (const Element* v : field.elements("value", ns::kDataForms)) out.push_back(v->text());
  return out;
}

// XEP-0128 forms: only those with a FORM_TYPE take part (§5.4 ignores the others too).
std::vector<Form> forms_of(const Element& query) {
  std::vector<Form> forms;
  for (const Element* x : query.elements("x", ns::kDataForms)) {
    Form f;
    bool typed = false;
    for (const Element* field : x->elements("field", ns::kDataForms)) {
      if (field->attr("var") == "FORM_TYPE") {
        auto v = values_of(*field);
        if (!v.empty()) f.form_type = v.front(), typed = true;
        continue;
      }
      f.fields.push_back({std::string(field->attr("var")), values_of(*field)});
    }
    if (typed) forms.push_back(std::move(f));
  }
  return forms;
}

}  // namespace

std::string verification_input(const Element& query) {
  // Every sort is by "i;octet" collation (RFC 4790): byte order of the UTF-8 strings.
  std::vector<Identity> ids;
  for (const Element* i : query.elements("identity", ns::kDiscoInfo))
    ids.push_back({std::string(i->attr("category")), std::string(i->attr("type")),
                   std::string(i->attr("xml:lang")), std::string(i->attr("name"))});
  std::sort(ids.begin(), ids.end(), [](const Identity& a, const Identity& b) {
    return std::tie(a.category, a.type, a.lang, a.name) < std::tie(b.category, b.type, b.lang, b.name);
  });
  std::vector<std::string> features;
  for (const Element* f : query.elements("feature", ns::kDiscoInfo)) features.emplace_back(f->attr("var"));
  std::sort(features.begin(), features.end());
  std::vector<Form> forms = forms_of(query);
  std::sort(forms.begin(), forms.end(), [](const Form& a, const Form& b) { return a.form_type < b.form_type; });

  std::string s;
  // Identities as category/type/xml:lang/name<
  for (const auto& i : ids) s += i.category + "/" + i.type + "/" + i.lang + "/" + i.name + "<";
  // Features as feature<
  for (const auto& f : features) s += f + "<";
  // Forms as FORM_TYPE<, then each field by var as var<, then its sorted values as value<
  for (auto& form : forms) {
    s += form.form_type + "<";
    std::sort(form.fields.begin(), form.fields.end(), [](const Field& a, const Field& b) { return a.var < b.var; });
    for (auto& field : form.fields) {
      s += field.var + "<";
      std::sort(field.values.begin(), field.values.end());
      for (const auto& v : field.values) s += v + "<";
    }
  }
  return s;
}

std::string verification_string(const Element& query) {
  std::string s = verification_input(query);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(s.data(), s.size(), digest, &length, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 failed");
  std::string out(4 * ((length + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(length));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace xmppd::caps
