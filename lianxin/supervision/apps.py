from django.apps import AppConfig


def _periodic_refresh() -> None:
    from .tasks import periodic_refresh

    periodic_refresh()


class SupervisionConfig(AppConfig):
    name = "lianxin.supervision"
    label = "supervision"

    def ready(self) -> None:
        from lianxin.core import partitions, startup

        from .models import KPI_TABLES, AssessmentScheme, SchemeIndicatorWeight
        from .selectors import active_schemes

        active_schemes.connect(AssessmentScheme)
        active_schemes.connect(SchemeIndicatorWeight)  # the schemes are kept with their indicator weights
        startup.register_periodic(_periodic_refresh)  # `lianxin serve` without a broker, after the sweep
        # The rollups' daily tables, by month of `day` on PostgreSQL (migration 0012). A detached
        # month keeps its figures in the monthly tables; only day ranges inside it read nothing.
        for table in KPI_TABLES.values():
            if "day" in table.key_fields:
                partitions.register(partitions.PartitionedTable(table.model._meta.db_table, "day"))
