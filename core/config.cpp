#include "core/config.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace litesim {
namespace fs = std::filesystem;

ConfigPtr ConfigNode::make_scalar(std::string text, SourceLoc loc) {
  auto n = std::make_shared<ConfigNode>();
  n->kind = Kind::Scalar;
  n->scalar = std::move(text);
  n->loc = std::move(loc);
  return n;
}
ConfigPtr ConfigNode::make_map(SourceLoc loc) {
  auto n = std::make_shared<ConfigNode>();
  n->kind = Kind::Map;
  n->loc = std::move(loc);
  return n;
}
ConfigPtr ConfigNode::make_seq(SourceLoc loc) {
  auto n = std::make_shared<ConfigNode>();
  n->kind = Kind::Sequence;
  n->loc = std::move(loc);
  return n;
}

const char* ConfigNode::kind_name() const {
  switch (kind) {
    case Kind::Null:
      return "an empty value";
    case Kind::Scalar:
      return "a single value";
    case Kind::Sequence:
      return "a list";
    case Kind::Map:
      return "a mapping";
  }
  return "?";
}

const ConfigNode::Entry* ConfigNode::find_entry(const std::string& key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

ConfigPtr ConfigNode::find(const std::string& key) const {
  const Entry* e = find_entry(key);
  return e ? e->value : nullptr;
}

void ConfigNode::set(const std::string& key, ConfigPtr value, SourceLoc key_loc) {
  for (auto& e : entries)
    if (e.key == key) {
      e.value = std::move(value);
      return;
    }
  entries.push_back({key, key_loc.file.empty() ? value->loc : key_loc, std::move(value)});
}

void ConfigNode::erase(const std::string& key) {
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->key == key) {
      entries.erase(it);
      return;
    }
}

ConfigPtr ConfigNode::clone() const {
  auto n = std::make_shared<ConfigNode>(*this);
  for (auto& i : n->items) i = i->clone();
  for (auto& e : n->entries) e.value = e.value->clone();
  return n;
}

namespace {

SourceLoc loc_of(const YAML::Mark& m, const std::string& file) {
  if (m.is_null()) return SourceLoc{file, 0, 0};
  return SourceLoc{file, m.line + 1, m.column + 1};
}

// YAML aliases are expanded into copies; a cap on the node count stops an "alias bomb".
constexpr size_t kMaxNodes = 2000000;

ConfigPtr convert(const YAML::Node& y, const std::string& file, size_t& budget) {
  const SourceLoc loc = loc_of(y.Mark(), file);
  if (budget == 0)
    throw ConfigError(loc, "", fmt::format("the document has more than {} nodes (nested aliases?)", kMaxNodes));
  --budget;
  switch (y.Type()) {
    case YAML::NodeType::Scalar:
      return ConfigNode::make_scalar(y.Scalar(), loc);
    case YAML::NodeType::Sequence: {
      auto n = ConfigNode::make_seq(loc);
      for (const auto& item : y) n->items.push_back(convert(item, file, budget));
      return n;
    }
    case YAML::NodeType::Map: {
      auto n = ConfigNode::make_map(loc);
      for (const auto& kv : y) {
        if (!kv.first.IsScalar())
          throw ConfigError(loc_of(kv.first.Mark(), file), "", "a mapping key must be a plain name");
        const std::string key = kv.first.Scalar();
        if (n->find_entry(key)) throw ConfigError(loc_of(kv.first.Mark(), file), key, "duplicate key");
        n->entries.push_back({key, loc_of(kv.first.Mark(), file), convert(kv.second, file, budget)});
      }
      return n;
    }
    default: {
      auto n = std::make_shared<ConfigNode>();
      n->loc = loc;
      return n;
    }
  }
}

ConfigPtr parse_with_label(const std::string& text, const std::string& file) {
  try {
    YAML::Node y = YAML::Load(text);
    size_t budget = kMaxNodes;
    auto root = convert(y, file, budget);
    if (root->is_null()) root->loc = SourceLoc{file, 1, 1};
    return root;
  } catch (const YAML::Exception& e) {
    throw ConfigError(loc_of(e.mark, file), "", fmt::format("YAML syntax error: {}", e.msg));
  }
}

}  // namespace

ConfigPtr parse_yaml(const std::string& text, const std::string& file_label) {
  return parse_with_label(text, file_label);
}

ConfigPtr load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(SourceLoc{path, 0, 0}, "", "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_with_label(ss.str(), path);
}

ConfigPtr merge(const ConfigPtr& base, const ConfigPtr& over) {
  if (!base) return over ? over->clone() : nullptr;
  if (!over) return base->clone();
  if (!base->is_map() || !over->is_map()) return over->clone();
  // A part of another kind (`kind:` differs) does not inherit the old kind's parameters: it replaces it.
  const ConfigPtr base_kind = base->find("kind"), over_kind = over->find("kind");
  if (base_kind && over_kind && base_kind->is_scalar() && over_kind->is_scalar() &&
      base_kind->scalar != over_kind->scalar)
    return over->clone();
  auto out = base->clone();
  out->loc = over->loc;
  for (const auto& e : over->entries) {
    ConfigPtr mine = out->find(e.key);
    out->set(e.key, mine ? merge(mine, e.value) : e.value->clone(), e.key_loc);
    // keep the override's key location: errors about this key point where it was last set
    for (auto& oe : out->entries)
      if (oe.key == e.key) oe.key_loc = e.key_loc;
  }
  return out;
}

void apply_override(const ConfigPtr& root, const std::string& assignment, int index) {
  const SourceLoc loc{fmt::format("--set #{}", index), 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(loc, assignment, "expected KEY=VALUE, e.g. package.hbm.bandwidth=900 GB/s");
  const std::string path = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  SourceLoc vloc{fmt::format("--set {}", assignment), 0, 0};
  ConfigPtr parsed = parse_with_label(value, vloc.file);
  // re-label every node of the value with the command-line location
  std::vector<ConfigNode*> todo{parsed.get()};
  while (!todo.empty()) {
    ConfigNode* n = todo.back();
    todo.pop_back();
    n->loc = vloc;
    for (auto& i : n->items) todo.push_back(i.get());
    for (auto& e : n->entries) {
      e.key_loc = vloc;
      todo.push_back(e.value.get());
    }
  }
  if (parsed->is_null()) parsed = ConfigNode::make_scalar("", vloc);
  ConfigNode* cur = root.get();
  std::string walked;
  size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw ConfigError(vloc, path, "empty key in the path");
    walked += (walked.empty() ? "" : ".") + key;
    if (!cur->is_map()) throw ConfigError(vloc, walked, fmt::format("cannot set a key inside {}", cur->kind_name()));
    if (dot == std::string::npos) {
      ConfigPtr existing = cur->find(key);
      cur->set(key, existing && existing->is_map() && parsed->is_map() ? merge(existing, parsed) : parsed, vloc);
      return;
    }
    ConfigPtr next = cur->find(key);
    if (!next || next->is_null()) {
      next = ConfigNode::make_map(vloc);
      cur->set(key, next, vloc);
    }
    cur = next.get();
    start = dot + 1;
  }
}

std::string PresetResolver::locate(const std::string& section, const std::string& name, const SourceLoc& where,
                                   const std::string& key_path) const {
  // A name with a '/' or ending in .yaml is a path relative to the file that names it.
  const bool is_path =
      name.find('/') != std::string::npos || (name.size() > 5 && name.substr(name.size() - 5) == ".yaml");
  fs::path p;
  if (is_path) {
    // relative to the file that names it; a command-line override names it from the current directory
    const bool from_cli = where.file.rfind("--set", 0) == 0;
    p = from_cli ? fs::current_path() / name : fs::path(where.file).parent_path() / name;
  } else {
    p = fs::path(configs_dir) / section / (name + ".yaml");
  }
  if (!fs::exists(p)) {
    std::string known;
    if (!is_path && fs::is_directory(fs::path(configs_dir) / section)) {
      std::vector<std::string> names;
      for (const auto& f : fs::directory_iterator(fs::path(configs_dir) / section))
        if (f.path().extension() == ".yaml") names.push_back(f.path().stem().string());
      std::sort(names.begin(), names.end());
      known = fmt::format("; known {} presets: {}", section, fmt::join(names, ", "));
    }
    throw ConfigError(where, key_path, fmt::format("no preset '{}' (looked for {}){}", name, p.string(), known));
  }
  return p.lexically_normal().string();
}

namespace {
// Resolves the `preset:` chain of one mapping (not of its children): the preset's own top-level
// preset first, then the mapping's keys over it. Children are expanded only after this merge, so
// an override such as `package: {preset: lite-quarter, die: {preset: h100}}` replaces the child
// preset rather than being merged over an already expanded one.
ConfigPtr flatten_top(PresetResolver& r, const ConfigPtr& node, const std::string& section, const std::string& key_path,
                      std::vector<std::string>& stack) {
  const auto* pe = node->find_entry("preset");
  if (!pe) return node;
  const std::string ppath = key_path.empty() ? "preset" : key_path + ".preset";
  if (!pe->value->is_scalar()) throw ConfigError(pe->value->loc, ppath, "expected a preset name");
  const std::string name = pe->value->scalar;
  const std::string path = r.locate(section, name, pe->value->loc, ppath);
  for (const auto& s : stack)
    if (s == path) throw ConfigError(pe->value->loc, ppath, fmt::format("preset cycle through {}", path));
  stack.push_back(path);
  ConfigPtr base = load_yaml_file(path);
  if (!base->is_map()) throw ConfigError(base->loc, "", fmt::format("a {} preset must be a mapping", section));
  base = flatten_top(r, base, section, key_path, stack);
  stack.pop_back();
  r.used.push_back(fmt::format("{}={} ({})", key_path.empty() ? section : key_path, name, path));
  auto local = node->clone();
  local->erase("preset");
  return merge(base, local);
}

ConfigPtr expand_rec(PresetResolver& r, const ConfigPtr& node, const std::string& section, const std::string& key_path,
                     std::vector<std::string>& stack) {
  if (!node->is_map()) return node;
  auto out = flatten_top(r, node, section, key_path, stack)->clone();
  for (auto& e : out->entries)
    e.value = expand_rec(r, e.value, e.key, key_path.empty() ? e.key : key_path + "." + e.key, stack);
  return out;
}
}  // namespace

ConfigPtr PresetResolver::expand(const ConfigPtr& node, const std::string& section) {
  return expand_rec(*this, node, section, "", stack_);
}

namespace {
void emit(YAML::Emitter& out, const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::Null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      out << n.scalar;
      break;
    case ConfigNode::Kind::Sequence:
      out << YAML::BeginSeq;
      for (const auto& i : n.items) emit(out, *i);
      out << YAML::EndSeq;
      break;
    case ConfigNode::Kind::Map:
      out << YAML::BeginMap;
      for (const auto& e : n.entries) {
        out << YAML::Key << e.key << YAML::Value;
        emit(out, *e.value);
      }
      out << YAML::EndMap;
      break;
  }
}
}  // namespace

std::string to_yaml(const ConfigNode& node) {
  YAML::Emitter out;
  emit(out, node);
  return std::string(out.c_str()) + "\n";
}

std::string to_flow_yaml(const ConfigNode& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  emit(out, node);
  return out.c_str();
}

std::string Fnv1a::hex() const { return fmt::format("{:016x}", h); }

std::string fnv1a_hex(const std::string& text) {
  Fnv1a f;
  f.add(text.data(), text.size());
  return f.hex();
}

ConfigPtr find_path(const ConfigPtr& tree, const std::string& dotted) {
  ConfigPtr cur = tree;
  size_t start = 0;
  while (cur) {
    const auto dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // `key[i]`: item i of the list at key
    std::optional<size_t> item;
    const auto bracket = part.find('[');
    if (bracket != std::string::npos && part.back() == ']') {
      try {
        item = std::stoul(part.substr(bracket + 1, part.size() - bracket - 2));
      } catch (const std::exception&) {
        return nullptr;
      }
      part.resize(bracket);
    }
    cur = cur->is_map() ? cur->find(part) : nullptr;
    if (cur && item) cur = cur->is_seq() && *item < cur->items.size() ? cur->items[*item] : nullptr;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

SourceLoc locate_key(const ConfigPtr& tree, const std::string& dotted, const std::string& fallback_file) {
  const ConfigPtr node = tree ? find_path(tree, dotted) : nullptr;
  return node ? node->loc : SourceLoc{fallback_file, 0, 0};
}

}  // namespace litesim
