// The grocery scenario (scenarios/grocery/*.json): a union product catalog, stores that carry
// parts of it at their own prices, user personas, and household profiles (the hidden goals).
// Validated on load: every problem names the file and the JSON path; unknown keys are problems.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "env/scenario.h"

namespace collab::tasks::grocery {

// The eight things the agent can ask about, in act order.
enum class Slot : uint8_t { kAddress, kStore, kList, kQuantity, kBrand, kDiet, kBudget, kDelivery };
inline constexpr size_t kSlots = 8;
inline constexpr const char* kSlotNames[kSlots] = {"address", "store", "list",   "quantity",
                                                   "brand",   "diet",  "budget", "delivery"};
// Dietary tags a product may carry; constraints are a subset of the first three.
inline constexpr const char* kTags[] = {"vegan", "gluten-free", "lactose-free", "organic"};
inline constexpr size_t kDiets = 3;

struct Product {
  std::string id, name, brand, size, category;  // name is the product type ("oat milk")
  size_t type = 0;                              // index into Setup::types
  std::vector<uint8_t> tags;                    // per kTags: 1 = carries the tag
};

struct StoreItem {
  double price = 0;
  bool available = true;
};

struct Store {
  std::string id, chain, city;
  size_t chain_index = 0, city_index = 0;
  std::vector<std::optional<StoreItem>> items;  // per product; nullopt = not carried
  bool carries(size_t p) const { return items[p].has_value(); }
};

struct Persona {
  std::string name;
  double weight = 1;
  int opening_detail = 0;  // 0: vague; 1: names the items; 2: names the items and the store chain
  bool volunteers_quantities = false;  // says quantities along with the list
  int patience = 12;                   // questions before giving up
  int tolerance = 3;                   // wrong actions (objections) before giving up
};

struct WantedItem {
  size_t product = 0;
  int quantity = 1;
};

struct Profile {
  enum class Split { kTrain, kTest } split = Split::kTrain;
  std::string id, name, address;
  size_t city = 0, store = 0;
  std::vector<WantedItem> items;
  std::vector<uint8_t> diet;  // per kDiets
  double budget = 0;
  std::string delivery;
};

struct Setup {
  std::string path, hash, description;
  std::string instructions;  // the scenario's own agent instructions ("": the task's)
  std::vector<std::string> cities, chains, types;
  std::vector<Product> products;
  std::vector<Store> stores;
  std::vector<Persona> personas;
  std::vector<Profile> profiles;

  static Setup load(const ScenarioFile& file);
  std::optional<size_t> product_index(const std::string& id) const;
};

// "$3.49"
std::string money(double x);

}  // namespace collab::tasks::grocery
