// container.*, k8s.*: where the process runs, derived from its cgroup.
#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

using detail::set_str;

const FieldInfo kContainerFields[] = {
    {"container.id", FieldType::kString, FieldArgKind::kNone,
     "Container id (12 hex digits) from the cgroup path; `host` outside containers.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, c.event().container_id);
     }},
    {"k8s.pod.uid", FieldType::kString, FieldArgKind::kNone,
     "Kubernetes pod UID from the cgroup path (kubepods...pod<uid>), when known.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.event().pod_uid); }},
    {"k8s.pod.id", FieldType::kString, FieldArgKind::kNone, "Falco's older name of k8s.pod.uid.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.event().pod_uid); }},
};

}  // namespace

std::span<const FieldInfo> container_fields() {
  return kContainerFields;
}

}  // namespace ksight::rules
