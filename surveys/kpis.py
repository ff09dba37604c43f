"""The KPI registry: the Sefton SEND Improvement Plan section 4 measures, word for word.

The measures and who they are about come from Appendix A of the Health and
Wellbeing Board report (shared/seeds/004, lines 1859-1962). A survey question
declares one of these codes; the registry says which respondent types the KPI
counts, so a young person's answer to a parents-and-carers-only KPI is never
counted towards it.
"""

from __future__ import annotations

from dataclasses import dataclass

PARENT_CARER = "parent_carer"
YOUNG_PERSON = "young_person"
RESPONDENT_TYPES = (PARENT_CARER, YOUNG_PERSON)


@dataclass(frozen=True)
class Kpi:
    """One improvement-plan KPI that a survey question measures."""

    code: str
    short: str
    measure: str
    respondents: tuple[str, ...]
    frequency: str = "Annually"
    collection: str = "Collected Via Survey"

    def counts(self, respondent_type: str) -> bool:
        """Whether answers from this respondent type count towards the KPI."""
        return respondent_type in self.respondents


KPIS: dict[str, Kpi] = {
    k.code: k
    for k in (
        Kpi(
            "4/1",
            "Trust and confidence",
            "Increased level of trust and confidence of parents and carers - in the local "
            "area to provide support",
            (PARENT_CARER,),
        ),
        Kpi(
            "4/2",
            "Help and support to meet needs",
            "Parents, carers and young people rate the level of help and support children "
            "and young people with SEND receive to meet their needs",
            (PARENT_CARER, YOUNG_PERSON),
        ),
        Kpi(
            "4/3",
            "Information and advice about assessment",
            "Parents, carers and young people rate the level of information and advice "
            "available about the assessment process to support children and young people "
            "with SEND",
            (PARENT_CARER, YOUNG_PERSON),
        ),
        Kpi(
            "4/4",
            "Influence on service delivery",
            "Parents and carers feel that they can influence change to service delivery",
            (PARENT_CARER,),
        ),
        Kpi(
            "4/5",
            "Listened to in EHC plans",
            "Parents and carers feel that they are listened to in the development and "
            "review of EHCPs",
            (PARENT_CARER,),
        ),
        Kpi(
            "4/6",
            "Communication has improved",
            "Parents, carers and young people believe that communication has improved",
            (PARENT_CARER, YOUNG_PERSON),
        ),
    )
}


def get_kpi(code: str) -> Kpi:
    """Return the KPI for ``code``.

    :raise KeyError: if the code is not in the registry, with the known codes.
    """
    try:
        return KPIS[code]
    except KeyError:
        raise KeyError(f"unknown KPI {code!r}; known: {', '.join(KPIS)}") from None
