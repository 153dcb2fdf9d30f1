// Search folding (issue 5): ICU Any-Latin; Latin-ASCII; Lower on Polish, German, Cyrillic and
// more, and the search terms read from a folded query.
#define BOOST_TEST_MODULE fold
#include <boost/test/unit_test.hpp>

#include <thread>
#include <vector>

#include "storage/archive_sql.hpp"
#include "xmppd/fold.hpp"

using xmppd::fold_for_search;
using namespace xmppd::storage;

BOOST_AUTO_TEST_CASE(folds_polish_letters_and_case) {
  BOOST_TEST(fold_for_search("Zażółć gęślą jaźń ŁÓDŹ") == "zazolc gesla jazn lodz");
  BOOST_TEST(fold_for_search("ZAŻÓŁĆ") == "zazolc");
  BOOST_TEST(fold_for_search("Dofinansowanie ze środków UE") == "dofinansowanie ze srodkow ue");
  BOOST_TEST(fold_for_search("Piotrków Trybunalski, Skierniewice") == "piotrkow trybunalski, skierniewice");
}

BOOST_AUTO_TEST_CASE(folds_german_letters) {
  BOOST_TEST(fold_for_search("Straße Größe ÄÖÜ") == "strasse grosse aou");
}

BOOST_AUTO_TEST_CASE(transliterates_cyrillic_to_ascii) {
  BOOST_TEST(fold_for_search("Привет, Мир") == "privet, mir");
  BOOST_TEST(fold_for_search("Київ") == "kiiv");
}

BOOST_AUTO_TEST_CASE(keeps_ascii_and_replaces_invalid_utf8) {
  BOOST_TEST(fold_for_search("abc 123 x@y.z") == "abc 123 x@y.z");
  BOOST_TEST(fold_for_search("") == "");
  std::string bad = "ok\xff\xfe";
  BOOST_TEST(fold_for_search(bad).rfind("ok", 0) == 0);
}

BOOST_AUTO_TEST_CASE(ascii_shortcut_agrees_with_the_transliterator_on_every_ascii_character) {
  // Pure ASCII skips ICU; with one non-ASCII letter appended the whole text goes through ICU.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  BOOST_TEST(fold_for_search(all + "\u00e9") == fold_for_search(all) + "e");
  BOOST_TEST(fold_for_search("Dotacje UE, FE 2021-2027") == "dotacje ue, fe 2021-2027");
}

BOOST_AUTO_TEST_CASE(folds_the_same_on_many_threads_at_once) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        if (fold_for_search("Zażółć gęślą jaźń") != "zazolc gesla jazn") ++wrong[t];
    });
  for (auto& th : threads) th.join();
  for (int w : wrong) BOOST_TEST(w == 0);
}

BOOST_AUTO_TEST_CASE(reads_words_prefixes_and_phrases_from_a_folded_query) {
  auto terms = parse_search("ZAŻÓŁĆ dofin* „gęślą jaźń” e-mail");
  BOOST_TEST_REQUIRE(terms.size() == 4u);
  BOOST_TEST(terms[0].words == std::vector<std::string>{"zazolc"}, boost::test_tools::per_element());
  BOOST_TEST(!terms[0].prefix);
  BOOST_TEST(terms[1].words == std::vector<std::string>{"dofin"}, boost::test_tools::per_element());
  BOOST_TEST(terms[1].prefix);
  BOOST_TEST((terms[2].words == std::vector<std::string>{"gesla", "jazn"}));
  BOOST_TEST((terms[3].words == std::vector<std::string>{"e", "mail"}));
  BOOST_TEST(search_expression(terms, SqlBackend::sqlite) ==
             "\"zazolc\" AND \"dofin\"* AND \"gesla jazn\" AND \"e mail\"");
  // InnoDB indexes no one-letter word (innodb_ft_min_token_size=2).
  BOOST_TEST(search_expression(terms, SqlBackend::mariadb) == "+zazolc +dofin* +\"gesla jazn\" +mail");
}

BOOST_AUTO_TEST_CASE(a_query_of_only_punctuation_has_no_terms) {
  BOOST_TEST(parse_search("  * , \"\" ").empty());
  BOOST_TEST(search_expression(parse_search("a"), SqlBackend::mariadb).empty());
}
