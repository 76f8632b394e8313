// Loading and validating grocery scenarios (catalog.h).
#include "tasks/grocery/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "env/instructions.h"

namespace collab::tasks::grocery {

namespace {

using nlohmann::json;

void check_keys(Problems& pr, const json& j, const std::string& path,
                const std::set<std::string>& allowed) {
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (!allowed.contains(k)) {
      pr.add(path + "/" + k,
             fmt::format("unknown key; expected one of: {}", fmt::join(allowed, ", ")));
    }
  }
}

std::optional<std::string> str(Problems& pr, const json& j, const std::string& key,
                               const std::string& path) {
  const json* v = pr.string(j, key, path);
  if (v == nullptr) return std::nullopt;
  if (v->get<std::string>().empty()) {
    pr.add(path + "/" + key, "expected a non-empty string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<double> num(Problems& pr, const json& j, const std::string& key,
                          const std::string& path, double lo, double hi) {
  const json* v = pr.number(j, key, path);
  if (v == nullptr) return std::nullopt;
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi)) {
    pr.add(path + "/" + key,
           fmt::format("expected a number in [{}, {}], got {}", lo, hi, v->dump()));
    return std::nullopt;
  }
  return x;
}

std::optional<bool> boolean(Problems& pr, const json& j, const std::string& key,
                            const std::string& path) {
  if (!j.contains(key)) {
    pr.add(path + "/" + key, "missing; expected true or false");
    return std::nullopt;
  }
  if (!j.at(key).is_boolean()) {
    pr.add(path + "/" + key, fmt::format("expected true or false, got {}", j.at(key).dump()));
    return std::nullopt;
  }
  return j.at(key).get<bool>();
}

// Tags (a list of kTags names) as flags; `limit` = how many of kTags are allowed.
std::vector<uint8_t> tags(Problems& pr, const json& j, const std::string& key,
                          const std::string& path, size_t limit) {
  std::vector<uint8_t> out(limit, 0);
  const json* a = pr.array(j, key, path);
  if (a == nullptr) return out;
  for (size_t i = 0; i < a->size(); ++i) {
    const std::string at = fmt::format("{}/{}/{}", path, key, i);
    bool found = false;
    for (size_t t = 0; t < limit && (*a)[i].is_string(); ++t) {
      if ((*a)[i].get<std::string>() == kTags[t]) out[t] = 1, found = true;
    }
    if (!found) {
      pr.add(at, fmt::format("{}: expected one of: {}", (*a)[i].dump(),
                             fmt::join(std::vector<std::string>(kTags, kTags + limit), ", ")));
    }
  }
  return out;
}

size_t index_of(std::vector<std::string>& names, const std::string& s) {
  const auto it = std::find(names.begin(), names.end(), s);
  if (it != names.end()) return static_cast<size_t>(it - names.begin());
  names.push_back(s);
  return names.size() - 1;
}

}  // namespace

std::string money(double x) { return fmt::format("${:.2f}", x); }

std::optional<size_t> Setup::product_index(const std::string& id) const {
  for (size_t i = 0; i < products.size(); ++i) {
    if (products[i].id == id) return i;
  }
  return std::nullopt;
}

Setup Setup::load(const ScenarioFile& file) {
  Setup s;
  s.path = file.path;
  s.hash = file.hash;
  Problems pr(file.path);
  const json& j = file.json;
  if (!j.is_object()) {
    pr.add("", "expected a JSON object");
    pr.throw_if_any();
  }
  check_keys(pr, j, "",
             {"task", "description", "instructions", "cities", "products", "stores", "personas",
              "profiles"});
  if (auto t = str(pr, j, "task", ""); t && *t != "grocery") {
    pr.add("/task", fmt::format("\"{}\": expected \"grocery\"", *t));
  }
  if (j.contains("description")) {
    if (auto d = str(pr, j, "description", "")) s.description = *d;
  }
  if (auto text = read_scenario_instructions(j, pr)) s.instructions = std::move(*text);
  if (const json* cs = pr.array(j, "cities", "")) {
    for (size_t i = 0; i < cs->size(); ++i) {
      if (!(*cs)[i].is_string() || (*cs)[i].get<std::string>().empty()) {
        pr.add(fmt::format("/cities/{}", i), "expected a non-empty string");
      } else if (std::find(s.cities.begin(), s.cities.end(), (*cs)[i].get<std::string>()) !=
                 s.cities.end()) {
        pr.add(fmt::format("/cities/{}", i), "duplicate city");
      } else {
        s.cities.push_back((*cs)[i].get<std::string>());
      }
    }
  }
  std::map<std::string, size_t> by_id;
  if (const json* ps = pr.array(j, "products", "")) {
    for (size_t i = 0; i < ps->size(); ++i) {
      const std::string at = fmt::format("/products/{}", i);
      const json& p = (*ps)[i];
      if (!p.is_object()) {
        pr.add(at, "expected an object");
        continue;
      }
      check_keys(pr, p, at, {"id", "name", "brand", "size", "category", "tags"});
      Product x;
      x.id = str(pr, p, "id", at).value_or("");
      x.name = str(pr, p, "name", at).value_or("");
      x.brand = str(pr, p, "brand", at).value_or("");
      x.size = str(pr, p, "size", at).value_or("");
      x.category = str(pr, p, "category", at).value_or("");
      x.tags = tags(pr, p, "tags", at, std::size(kTags));
      if (x.id.empty() || x.name.empty()) continue;
      if (by_id.contains(x.id)) {
        pr.add(at + "/id", fmt::format("\"{}\": duplicate product id", x.id));
        continue;
      }
      x.type = index_of(s.types, x.name);
      by_id[x.id] = s.products.size();
      s.products.push_back(std::move(x));
    }
    for (size_t a = 0; a < s.products.size(); ++a) {
      for (size_t b = a + 1; b < s.products.size(); ++b) {
        const Product &x = s.products[a], &y = s.products[b];
        if (x.name == y.name && x.brand == y.brand && x.size == y.size) {
          pr.add(fmt::format("/products"),
                 fmt::format("\"{}\" and \"{}\": same name, brand and size; "
                             "no phrasing can tell them apart",
                             x.id, y.id));
        }
      }
    }
  }
  if (const json* ss = pr.array(j, "stores", "")) {
    std::set<std::string> ids;
    for (size_t i = 0; i < ss->size(); ++i) {
      const std::string at = fmt::format("/stores/{}", i);
      const json& st = (*ss)[i];
      if (!st.is_object()) {
        pr.add(at, "expected an object");
        continue;
      }
      check_keys(pr, st, at, {"id", "chain", "city", "products"});
      Store x;
      x.id = str(pr, st, "id", at).value_or("");
      x.chain = str(pr, st, "chain", at).value_or("");
      x.city = str(pr, st, "city", at).value_or("");
      if (!x.id.empty() && !ids.insert(x.id).second)
        pr.add(at + "/id", fmt::format("\"{}\": duplicate store id", x.id));
      const auto city = std::find(s.cities.begin(), s.cities.end(), x.city);
      if (!x.city.empty() && city == s.cities.end()) {
        pr.add(at + "/city", fmt::format("\"{}\": expected one of the cities: {}", x.city,
                                         fmt::join(s.cities, ", ")));
      }
      x.city_index = static_cast<size_t>(city - s.cities.begin());
      x.chain_index = index_of(s.chains, x.chain);
      x.items.assign(s.products.size(), std::nullopt);
      if (const json* items = pr.array(st, "products", at)) {
        for (size_t k = 0; k < items->size(); ++k) {
          const std::string it_at = fmt::format("{}/products/{}", at, k);
          const json& it = (*items)[k];
          if (!it.is_object()) {
            pr.add(it_at, "expected an object");
            continue;
          }
          check_keys(pr, it, it_at, {"product", "price", "available"});
          const auto pid = str(pr, it, "product", it_at);
          const auto price = num(pr, it, "price", it_at, 0.01, 10000);
          const auto avail = boolean(pr, it, "available", it_at);
          if (!pid) continue;
          const auto p = by_id.find(*pid);
          if (p == by_id.end()) {
            pr.add(it_at + "/product", fmt::format("\"{}\": no such product", *pid));
          } else if (x.items[p->second]) {
            pr.add(it_at + "/product", fmt::format("\"{}\": listed twice", *pid));
          } else if (price && avail) {
            x.items[p->second] = StoreItem{*price, *avail};
          }
        }
        if (items->empty()) pr.add(at + "/products", "expected at least one product");
      }
      s.stores.push_back(std::move(x));
    }
    if (s.stores.empty()) pr.add("/stores", "expected at least one store");
    for (size_t a = 0; a < s.stores.size(); ++a) {
      for (size_t b = a + 1; b < s.stores.size(); ++b) {
        if (s.stores[a].chain == s.stores[b].chain && s.stores[a].city == s.stores[b].city) {
          pr.add(fmt::format("/stores/{}", b),
                 fmt::format("same chain and city as \"{}\"", s.stores[a].id));
        }
      }
    }
  }
  if (const json* ps = pr.array(j, "personas", "")) {
    for (size_t i = 0; i < ps->size(); ++i) {
      const std::string at = fmt::format("/personas/{}", i);
      const json& p = (*ps)[i];
      if (!p.is_object()) {
        pr.add(at, "expected an object");
        continue;
      }
      check_keys(
          pr, p, at,
          {"name", "weight", "opening_detail", "volunteers_quantities", "patience", "tolerance"});
      Persona x;
      x.name = str(pr, p, "name", at).value_or("");
      x.weight = num(pr, p, "weight", at, 0, 1000).value_or(1);
      x.opening_detail = static_cast<int>(num(pr, p, "opening_detail", at, 0, 2).value_or(0));
      x.volunteers_quantities = boolean(pr, p, "volunteers_quantities", at).value_or(false);
      x.patience = static_cast<int>(num(pr, p, "patience", at, 1, 100).value_or(12));
      x.tolerance = static_cast<int>(num(pr, p, "tolerance", at, 1, 100).value_or(3));
      s.personas.push_back(std::move(x));
    }
    if (s.personas.empty()) pr.add("/personas", "expected at least one persona");
  }
  if (const json* ps = pr.array(j, "profiles", "")) {
    std::set<std::string> ids;
    bool train = false, test = false;
    for (size_t i = 0; i < ps->size(); ++i) {
      const std::string at = fmt::format("/profiles/{}", i);
      const json& p = (*ps)[i];
      if (!p.is_object()) {
        pr.add(at, "expected an object");
        continue;
      }
      check_keys(pr, p, at,
                 {"id", "split", "name", "address", "city", "store", "items", "diet", "budget",
                  "delivery"});
      Profile x;
      bool ok = true;
      x.id = str(pr, p, "id", at).value_or("");
      if (!x.id.empty() && !ids.insert(x.id).second)
        pr.add(at + "/id", fmt::format("\"{}\": duplicate profile id", x.id));
      const auto split = str(pr, p, "split", at);
      if (split && *split != "train" && *split != "test") {
        pr.add(at + "/split", fmt::format("\"{}\": expected \"train\" or \"test\"", *split));
      }
      x.split = split == "test" ? Profile::Split::kTest : Profile::Split::kTrain;
      (split == "test" ? test : train) = true;
      x.name = str(pr, p, "name", at).value_or("");
      x.address = str(pr, p, "address", at).value_or("");
      x.delivery = str(pr, p, "delivery", at).value_or("");
      const auto city = str(pr, p, "city", at);
      const auto cit = city ? std::find(s.cities.begin(), s.cities.end(), *city) : s.cities.end();
      if (city && cit == s.cities.end())
        pr.add(at + "/city", fmt::format("\"{}\": not one of the cities", *city));
      ok &= cit != s.cities.end();
      x.city = static_cast<size_t>(cit - s.cities.begin());
      const auto store = str(pr, p, "store", at);
      ok &= store.has_value();
      if (store) {
        auto sit = std::find_if(s.stores.begin(), s.stores.end(),
                                [&](const Store& st) { return st.id == *store; });
        if (sit == s.stores.end()) {
          pr.add(at + "/store", fmt::format("\"{}\": no such store", *store));
          ok = false;
        } else {
          x.store = static_cast<size_t>(sit - s.stores.begin());
          if (city && sit->city != *city) {
            pr.add(at + "/store", fmt::format("\"{}\" is in {}, not in the profile's city {}",
                                              *store, sit->city, *city));
          }
        }
      }
      x.diet = tags(pr, p, "diet", at, kDiets);
      x.budget = num(pr, p, "budget", at, 1, 100000).value_or(0);
      double total = 0;
      if (const json* items = pr.array(p, "items", at)) {
        if (items->size() < 1 || items->size() > 10)
          pr.add(at + "/items", fmt::format("{} items: expected 1 to 10", items->size()));
        std::set<size_t> types;
        for (size_t k = 0; k < items->size(); ++k) {
          const std::string it_at = fmt::format("{}/items/{}", at, k);
          const json& it = (*items)[k];
          if (!it.is_object()) {
            pr.add(it_at, "expected an object");
            continue;
          }
          check_keys(pr, it, it_at, {"product", "quantity"});
          const auto pid = str(pr, it, "product", it_at);
          const auto q = num(pr, it, "quantity", it_at, 1, 99);
          if (!pid || !q) continue;
          if (*q != std::floor(*q)) pr.add(it_at + "/quantity", "expected a whole number");
          const auto pi = by_id.find(*pid);
          if (pi == by_id.end()) {
            pr.add(it_at + "/product", fmt::format("\"{}\": no such product", *pid));
            continue;
          }
          const Product& prod = s.products[pi->second];
          if (!types.insert(prod.type).second)
            pr.add(it_at + "/product",
                   fmt::format("a second \"{}\": one product per type", prod.name));
          if (ok) {
            const auto& si = s.stores[x.store].items[pi->second];
            if (!si || !si->available) {
              pr.add(it_at + "/product",
                     fmt::format("\"{}\" is not available at \"{}\"", *pid, *store));
            } else {
              total += si->price * *q;
            }
          }
          for (size_t d = 0; d < kDiets; ++d) {
            if (x.diet[d] && !prod.tags[d])
              pr.add(it_at + "/product",
                     fmt::format("\"{}\" is not {} but the profile's diet is", *pid, kTags[d]));
          }
          x.items.push_back({pi->second, static_cast<int>(*q)});
        }
      }
      if (ok && total > x.budget + 1e-9) {
        pr.add(at + "/budget", fmt::format("{} is below the wanted items' total {}",
                                           money(x.budget), money(total)));
      }
      s.profiles.push_back(std::move(x));
    }
    if (!train) pr.add("/profiles", "no profile has split \"train\"");
    if (!test) pr.add("/profiles", "no profile has split \"test\"");
  }
  pr.throw_if_any();
  return s;
}

}  // namespace collab::tasks::grocery
