"""Item analysis of an assessment, with the definitions of Moodle's quiz statistics.

Moodle (question/classes/statistics/questions/calculator.php for the items,
mod/quiz/report/statistics/classes/calculator.php for the test) defines, over the s attempts
analysed, with x an item's mark, T the attempt's total and R = T - x the rest of the test,
every variance and covariance being a sample one (divided by s - 1):

- facility = mean(x) / max mark (shown in %), and the SD of x;
- discrimination index = 100 * cov(x, R) / sqrt(var x * var R), the item-rest correlation;
- discriminative efficiency = 100 * cov(x, R) / cov_max, where cov_max is the covariance of
  x and R each sorted on its own (the largest covariance these marks could have);
- coefficient of internal consistency (Cronbach's alpha) of the test
  = 100 * p / (p - 1) * (1 - sum of var(x_j) / var(T)) over p items, its error ratio
  100 * sqrt(1 - alpha / 100) and the standard error of measurement, error ratio * SD(T) / 100.

The sums over attempts run in PostgreSQL, in three queries whose size of result depends on the
number of items and options, never on the number of attempts; the divisions above then run on
those few rows here. A figure that is undefined (a variance of 0, fewer than two attempts) is
None, as Moodle leaves it empty.
"""
import math

from odoo.tools import SQL

# Below this, a variance or a covariance is 0 (sums of float8 marks).
EPSILON = 1e-12


def _ctes(attempts, all_attempts):
    """The marks of the attempts analysed, with their rest scores and ranks per item.

    `attempts` selects the ids of the graded attempts the user may read (a subquery built by
    the ORM, record rules included). Unless `all_attempts`, only each candidate's first one
    (by start, then id) is kept. Ranks order each item's answers by mark and by rest score,
    ties broken by attempt id: the rank pairs give cov_max, the rest-score ranks the thirds.
    """
    return SQL(
        """
        scoped AS (
            SELECT ranked.id
              FROM (SELECT att.id,
                           ROW_NUMBER() OVER (PARTITION BY att.candidate_id
                                              ORDER BY att.started_at, att.id) AS nth
                      FROM assessment_attempt att
                     WHERE att.id IN (%(attempts)s)) ranked
             WHERE %(all_attempts)s OR ranked.nth = 1
        ),
        marks AS (
            SELECT ans.attempt_id, ans.item_id, ans.option_id, ans.is_correct,
                   ans.points AS x, ans.max_points,
                   SUM(ans.points) OVER (PARTITION BY ans.attempt_id) - ans.points AS rest
              FROM assessment_answer ans
              JOIN scoped ON scoped.id = ans.attempt_id
        ),
        ranked AS (
            SELECT marks.*,
                   ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY x, attempt_id) AS x_rank,
                   ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY rest, attempt_id) AS rest_rank,
                   COUNT(*) OVER (PARTITION BY item_id) AS s
              FROM marks
        )
        """,
        attempts=attempts, all_attempts=bool(all_attempts),
    )


def item_aggregates_sql(attempts, all_attempts):
    """One row an item: item_id, s, mean x, max mark, var x, var R, cov(x, R), cov_max,
    correct answers, unanswered."""
    return SQL(
        """
        WITH %(ctes)s,
        sorted_pairs AS (
            SELECT by_mark.item_id, COVAR_SAMP(by_mark.x, by_rest.rest) AS cov_max
              FROM ranked by_mark
              JOIN ranked by_rest ON by_rest.item_id = by_mark.item_id
                                 AND by_rest.rest_rank = by_mark.x_rank
             GROUP BY by_mark.item_id
        )
        SELECT r.item_id, COUNT(*), AVG(r.x), MAX(r.max_points), VAR_SAMP(r.x),
               VAR_SAMP(r.rest), COVAR_SAMP(r.x, r.rest), sorted_pairs.cov_max,
               COUNT(*) FILTER (WHERE r.is_correct), COUNT(*) FILTER (WHERE r.option_id IS NULL)
          FROM ranked r
          JOIN sorted_pairs ON sorted_pairs.item_id = r.item_id
         GROUP BY r.item_id, sorted_pairs.cov_max
        """,
        ctes=_ctes(attempts, all_attempts),
    )


def choice_counts_sql(attempts, all_attempts):
    """One row an item and option chosen (None: no answer): chosen overall, by the top third
    and by the bottom third of the attempts by rest score (k = floor(s / 3) attempts each)."""
    return SQL(
        """
        WITH %(ctes)s
        SELECT item_id, option_id, COUNT(*),
               COUNT(*) FILTER (WHERE rest_rank > s - s / 3),
               COUNT(*) FILTER (WHERE rest_rank <= s / 3)
          FROM ranked
         GROUP BY item_id, option_id
        """,
        ctes=_ctes(attempts, all_attempts),
    )


def totals_sql(attempts, all_attempts):
    """One row: s, mean T, SD of T, var T, mean maximum of T."""
    return SQL(
        """
        WITH %(ctes)s
        SELECT COUNT(*), AVG(total), STDDEV_SAMP(total), VAR_SAMP(total), AVG(max_total)
          FROM (SELECT attempt_id, SUM(x) AS total, SUM(max_points) AS max_total
                  FROM marks GROUP BY attempt_id) totals
        """,
        ctes=_ctes(attempts, all_attempts),
    )


def _positive(value):
    return value is not None and value > EPSILON


def item_figures(mean_x, max_mark, var_x, var_rest, cov, cov_max):
    """facility (%), sd, discrimination index, discriminative efficiency of one item."""
    return {
        "facility": 100.0 * mean_x / max_mark if max_mark else None,
        "sd": math.sqrt(max(var_x, 0.0)) if var_x is not None else None,
        "discrimination_index": (
            100.0 * cov / math.sqrt(var_x * var_rest)
            if _positive(var_x) and _positive(var_rest) else None
        ),
        "discriminative_efficiency": (
            100.0 * cov / cov_max if cov_max is not None and abs(cov_max) > EPSILON else None
        ),
    }


def reliability_figures(items, sum_item_variances, sd_total, var_total):
    """Cronbach's alpha (%), error ratio (%) and standard error (in marks) of the test."""
    if items < 2 or not _positive(var_total) or sum_item_variances is None:
        return {"alpha": None, "error_ratio": None, "standard_error": None}
    alpha = 100.0 * items / (items - 1) * (1.0 - sum_item_variances / var_total)
    # alpha <= 100 (Cauchy-Schwarz); max() only absorbs rounding
    error_ratio = 100.0 * math.sqrt(max(0.0, 1.0 - alpha / 100.0))
    return {"alpha": alpha, "error_ratio": error_ratio,
            "standard_error": error_ratio * sd_total / 100.0}
