*** Settings ***
Documentation    Saving the settings, factory settings, the password and power cuts, also in
...              the middle of a save (usr721's ATW). Requirements: docs/behaviour.md R-AT-7,
...              R-PWR-1.

Library          Collections
Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Saved Settings Survive A Power Cut And Unsaved Ones Do Not
    [Documentation]    Socket 1 saved pointing at dc1, then pointed at dc2 without saving:
    ...    after a power cut the DTU connects to dc1 again.
    [Tags]    R-AT-7    R-PWR-1    needs-power    needs-leds
    Enter Command Mode
    Configure Socket    1    dc1
    Save Settings
    Configure Socket    1    dc2
    Leave Command Mode
    Server Should Be Connected    dc2
    Cut Power
    Server Connection Should Close    dc2
    Power On DTU
    Wait Until DTU Is Online
    Server Should Be Connected    dc1
    Send To DTU    after the cut
    Server Should Receive    after the cut    dc1
    Server Should Not Receive Anything    dc2    duration=0

A Cut In The Middle Of ATW Leaves The Old Settings
    [Documentation]    The power fails at an EEPROM write of ATW, before the last one that
    ...    commits the new record: after the cold boot the DTU has the old settings in
    ...    full, never a mixture. (usr721's ATW and its settings record: the writes counted
    ...    are that record's.)
    [Tags]    R-AT-7    R-PWR-1    needs-power    needs-leds    dialect:usr721
    [Template]    A Cut At An EEPROM Write Of ATW Should Leave The Old Settings
    1
    5

Factory Settings Undo Every Saved Change
    [Documentation]    Saved changes to the mode, a socket, the heartbeat and the password
    ...    are all undone by the factory settings (usr721: AT+CIRELOAD), which restart the
    ...    DTU.
    [Tags]    R-AT-7    R-MODE-1    needs-leds
    ${password}=    Default Password
    Enter Command Mode
    ${factory}=    Settings Dump
    Configure Socket    1    dc1
    Set Heartbeat    30 s    ping
    Set Work Mode    SMS
    Set Password    ${password}    abc123
    Save Settings
    Restore Factory Settings
    Wait Until DTU Restarts
    Enter Command Mode
    ${after}=    Settings Dump
    Lists Should Be Equal    ${after}    ${factory}
    Set Password    abc123    ${password}    refused=${True}
    Set Password    ${password}    abc123

A Changed Password Survives A Power Cut
    [Documentation]    The new password replaces the old one at once and, saved, after a
    ...    power cut.
    [Tags]    R-AT-7    needs-power    needs-leds
    ${password}=    Default Password
    Enter Command Mode
    Set Password    ${password}    abc123
    Set Password    ${password}    again    refused=${True}
    Save Settings
    Cut Power
    Power On DTU
    Wait Until DTU Is Online
    Enter Command Mode
    Set Password    ${password}    again    refused=${True}
    Set Password    abc123    ${password}


*** Keywords ***
A Cut At An EEPROM Write Of ATW Should Leave The Old Settings
    [Documentation]    On a fresh bench: save the old settings, change them, cut the power
    ...    at the ``write``-th EEPROM write of ATW; after the cold boot the old ones are back.
    [Arguments]    ${write}
    ${old}=    Save Old Settings And Change Them On A Fresh Bench
    Cut Power At EEPROM Write    ${write}
    Send To DTU    ATW\r
    LED Should Be Off    POW
    Power On DTU
    Wait Until DTU Is Online
    Enter Command Mode
    ${after}=    Settings Dump
    Lists Should Be Equal    ${after}    ${old}

Save Old Settings And Change Them On A Fresh Bench
    [Documentation]    A fresh bench in command mode: old settings saved, new ones running.
    ...    Returns the old settings' dump.
    Start Bench
    Enter Command Mode
    Set Boot Message    old settings
    Set SMS Number    10086
    Save Settings
    ${old}=    Settings Dump
    Set Boot Message    new settings
    Set SMS Number    13800000000
    RETURN    ${old}
