from . import assessment_invite_wizard
from . import assessment_add_time_wizard
from . import assessment_key_change_wizard
from . import assessment_key_change_wizard_line
from . import assessment_analysis
from . import assessment_analysis_item
from . import assessment_analysis_option
