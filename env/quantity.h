// The shared quantity reader (docs/quantities.md): every number a person writes in a message, with
// its sign, magnitude, unit and how sure the writer is. Tasks read amounts, prices, limits, rates
// and answers through it, so that "−3", "minus three", "$1.2k", "one and a half litres", "a
// couple of", "2 lb (about 900 g)", "3–4" and "5 or 6" mean the same thing in every task.
//
//   for (const Quantity& q : read_quantities("about 2.5 kg, or 5 1/2 lb")) …
//     q.value = 2.5, q.unit->name = "kg", q.approximate, q.base() = 2500 (grams)
//
// The reader finds quantities; it does not decide what they are for. A task still chooses which
// quantity answers its question (the last in a sentence, the one with the right dimension…) and
// must not act on a vague or ambiguous one (Quantity::vague, Quantity::ambiguous).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace collab {

enum class Dimension {
  kNone,     // a bare number
  kCount,    // items, pieces; packages (pack, bag, bottle…: Unit::package)
  kLength,   // base: metre
  kMass,     // base: gram
  kVolume,   // base: millilitre
  kTime,     // base: second
  kMoney,    // base: the currency's main unit (a cent is 0.01 of its dollar); see Unit::currency
  kSpeed,    // base: metre per second
  kPercent,  // base: percent (5% -> 5)
};

std::string_view to_string(Dimension d);

struct Unit {
  std::string name;       // canonical: "kg", "lb", "ml", "l", "h", "usd", "gbp", "pct", "pack"…
  Dimension dimension = Dimension::kNone;
  double to_base = 1;     // one of this unit in the dimension's base unit
  std::string currency;   // kMoney: "usd", "gbp", "eur" (conversions only within one currency)
  bool package = false;   // kCount: a package (pack, bag, bottle, can, jar, box, carton, loaf…)
};

// The unit a canonical name stands for ("kg", "floz", "mph"…), or nullopt.
std::optional<Unit> unit_named(std::string_view name);
// `value` in `from` expressed in `to`; nullopt across dimensions or currencies.
std::optional<double> convert(double value, const Unit& from, const Unit& to);

struct Quantity {
  double value = 0;           // as written, sign and magnitude applied ("-$1.2k" -> -1200)
  std::optional<Unit> unit;   // the unit written with it, if any
  size_t begin = 0, end = 0;  // byte range in the text (the unit included)
  bool words = false;         // written (partly) in words: "two", "a dozen", "an hour"
  bool approximate = false;   // "about 3", "~3", "3ish", "roughly", "nearly"
  bool vague = false;         // no exact amount: "a few", "several", "some", "a lot" (value: a
                              // typical reading, never to act on)
  bool ambiguous = false;     // the unit could be read two ways ("5 pounds": weight or money)
  bool lone_one = false;      // just the word "one" ("which one", "the red one"): rarely a number
  std::optional<double> high;         // a range "3-4", "3 to 4", "between 3 and 4": its top
  std::optional<double> alternative;  // either/or "3 or 4": the other value
  std::optional<Unit> per;    // a rate: "$15 an hour" (per h), "3% a year", "2 l per minute"
  // The value in the dimension's base unit (value itself without a unit).
  double base() const { return unit ? value * unit->to_base : value; }
  Dimension dimension() const { return unit ? unit->dimension : Dimension::kNone; }
  // "~-1200 usd", "3..4 pack", "2|3 kg", "5 pct/yr": a compact form for tests and messages.
  std::string describe() const;
};

// Every quantity in `text`, left to right. Handles digits (1,250.5; 1e-3; leading - or −),
// number words ("twenty-five", "one hundred and five", "three and a half", "two point five",
// "minus three"), fractions (3/4, 1 3/4, ½, 2½, "two thirds", "half a"), magnitudes (thousand,
// million, billion, k, m/mn after money, bn), percentages, currencies before or after ($5, 5 USD,
// £3.20, 20p, 99 cents, €4), units with their abbreviations and plurals (km, kilometres, mi, lb,
// lbs, oz, kg, kilos, g, l, litres, ml, fl oz, cups, gallons, h, hrs, min, mins, km/h, mph, m/s),
// packages and counts ("2 packs", "a dozen", "half a dozen", "a couple of", "a pair of"),
// compounds of one dimension ("2 hours and 15 minutes", "1 h 30 min", "5 ft 10 in"), ranges,
// either/or, approximations and vague amounts. Times of day ("10:30"), ordinals ("1st") and
// list markers ("1." or "1)" at the start of a line) are not quantities.
std::vector<Quantity> read_quantities(std::string_view text);

// describe() of each quantity joined by "; " (tests and diagnostics).
std::string describe_quantities(std::string_view text);

}  // namespace collab
