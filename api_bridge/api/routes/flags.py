"""The behaviour flags in force."""

from fastapi import APIRouter

from api_bridge.deps import SettingsDep, ViewerDep
from api_bridge.schemas import FlagPublic
from preciso_dagster.core.flags import FLAGS

router = APIRouter(prefix="/api/v1/flags", tags=["flags"])


@router.get("", response_model=list[FlagPublic])
def read_flags(settings: SettingsDep, _: ViewerDep) -> list[FlagPublic]:
    """Every flag with its value, its default and what it changes."""
    return [
        FlagPublic(
            name=flag.name,
            enabled=flag.enabled(settings),
            default=flag.default(),
            description=flag.description,
        )
        for flag in FLAGS
    ]
