from . import assessment_invite_wizard
from . import assessment_add_time_wizard
