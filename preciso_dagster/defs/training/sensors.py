"""`approval_sensor`: enough new approvals start training on the new dataset version, once."""

import dagster as dg

from preciso_dagster.core.training.dataset import (
    DatasetSelection,
    latest_approval_id,
    select_dataset,
)
from preciso_dagster.core.training.selection import (
    DEFAULT_BUDGET_SECONDS,
    recommend,
)
from preciso_dagster.defs.appdb import AppDatabaseResource
from preciso_dagster.defs.training.jobs import training_job

DATASET_VERSION_TAG = "preciso/dataset_version"


class ApprovalPolicyResource(dg.ConfigurableResource):
    """When approvals start training: the auto_training flag and the minimum of new approvals."""

    enabled: bool = True
    min_new_approvals: int = 1


@dg.sensor(
    job=training_job, minimum_interval_seconds=5, default_status=dg.DefaultSensorStatus.RUNNING
)
def approval_sensor(
    context: dg.SensorEvaluationContext,
    app_db: AppDatabaseResource,
    approval_policy: ApprovalPolicyResource,
) -> dg.SensorResult | dg.SkipReason:
    """Request training_job with run_key = dataset version, so a dataset never trains twice."""
    if not approval_policy.enabled:
        return dg.SkipReason("auto training is off (PRECISO_FLAG_AUTO_TRAINING=false)")
    seen = int(context.cursor or 0)
    with app_db.session() as session:
        latest = latest_approval_id(session)
        if latest - seen < approval_policy.min_new_approvals:
            return dg.SkipReason(
                f"{latest - seen} new approvals; waiting for {approval_policy.min_new_approvals}"
            )
        snapshot = select_dataset(session, DatasetSelection())
    choice = recommend(snapshot.profile(), DEFAULT_BUDGET_SECONDS)
    if not choice.can_train:  # a run now would fail at once: say what is missing instead
        return dg.SkipReason(f"the dataset cannot train yet: {'; '.join(choice.missing)}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=snapshot.version, tags={DATASET_VERSION_TAG: snapshot.version})
        ],
        cursor=str(latest),
    )
