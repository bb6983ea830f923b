from . import assessment_invite_wizard
from . import assessment_add_time_wizard
from . import assessment_key_change_wizard
from . import assessment_key_change_wizard_line
