"""A small stored review with open, closed and draft waves, and survey links to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from builders import default_framework, people_frame
from colead.domain import WaveStatus
from colead.fieldwork.release import release_answers
from colead.ingest.people import import_people
from colead.store import init_database, make_engine, transaction
from colead.store.people import person_ids
from colead.store.reviews import get_or_create_review, register_framework
from colead.store.schema import Wave
from colead.store.survey import SurveyRecord, find_survey
from colead.store.waves import add_assignments, create_wave, hash_token

REVIEW = "Client Co - Supplier Ltd"
#: (wave, ratee, rater, relation) of each survey link the tests use, by name
LINKS = {
    "manager": ("baseline", "C2", "C1", "manager"),
    "partner": ("baseline", "C2", "S1", "partner"),
    "peer": ("baseline", "S2", "C2", "peer"),
    "self": ("baseline", "C2", "C2", "self"),
    "closing": ("baseline", "S1", "C1", "partner"),
    "closed": ("earlier", "C2", "S1", "partner"),
    "draft": ("later", "C2", "S1", "partner"),
}
WAVES = {"earlier": WaveStatus.closed, "baseline": WaveStatus.open, "later": WaveStatus.draft}


@dataclass(frozen=True)
class SurveyDatabase:
    url: str
    tokens: dict[str, str]
    wave_ids: dict[str, int]

    def record(self, name: str) -> SurveyRecord:
        """The form as the store holds it now."""
        engine = make_engine(self.url)
        try:
            with transaction(engine) as session:
                return find_survey(session, hash_token(self.tokens[name]))
        finally:
            engine.dispose()

    def set_status(self, wave: str, status: WaveStatus) -> None:
        """Set a wave's status directly; a close publishes its answers, as a real one does."""
        engine = make_engine(self.url)
        try:
            with transaction(engine) as session:
                session.execute(
                    update(Wave).where(Wave.id == self.wave_ids[wave]).values(status=status.value)
                )
                if status is WaveStatus.closed:
                    release_answers(session, session.get_one(Wave, self.wave_ids[wave]), 3)
        finally:
            engine.dispose()


def store_survey_review(url: str) -> SurveyDatabase:
    """Four people (builders.people_frame), three waves and the survey links in ``LINKS``."""
    init_database(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, REVIEW)
            version = register_framework(session, default_framework())
            import_people(session, review, people_frame(), "people")
            ids = person_ids(session, review.id)
            waves = {
                name: create_wave(session, review.id, name, version.id, status).id
                for name, status in WAVES.items()
            }
            tokens: dict[str, str] = {}
            for name, (wave, ratee, rater, relation) in LINKS.items():
                made = add_assignments(session, waves[wave], [(ids[ratee], ids[rater], relation)])
                tokens[name] = made[(ids[ratee], ids[rater])]
    finally:
        engine.dispose()
    return SurveyDatabase(url, tokens, waves)
