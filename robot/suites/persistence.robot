*** Settings ***
Documentation    Saving the settings (ATW), factory settings (AT+CIRELOAD), the password
...              (AT+CIPSW) and power cuts, also in the middle of ATW.
...              Requirements: docs/behaviour.md R-AT-7, R-PWR-1.

Library          Collections
Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
# every setting the dialect shows: the CIPSCONT? dump and the queries it leaves out
@{SETTINGS_QUERIES}
...                    AT+CIPSCONT?    AT+CISOCLINK?    AT+ICF?    AT+CIPR?    AT+CIHTTP?    AT+CIFTP?
...                    AT+CISMSAT?    AT+CIRINGSTA?    AT+CIMODID?


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
    ...    full, never a mixture.
    [Tags]    R-AT-7    R-PWR-1    needs-power    needs-leds
    [Template]    A Cut At An EEPROM Write Of ATW Should Leave The Old Settings
    1
    5

AT+CIRELOAD Restores The Factory Settings
    [Documentation]    Saved changes to the mode, a socket, the heartbeat and the password
    ...    are all undone by AT+CIRELOAD, which restarts the DTU with the factory settings.
    [Tags]    R-AT-7    R-MODE-1    needs-leds
    Enter Command Mode
    ${factory}=    Settings Dump
    Configure Socket    1    dc1
    Set Heartbeat    30 s    ping
    AT Command Should Answer    AT+CIMOD=4    OK
    AT Command Should Answer    AT+CIPSW="usr.cn","abc123"    OK
    Save Settings
    AT Command Should Answer    AT+CIRELOAD    OK
    Wait Until DTU Restarts
    Enter Command Mode
    ${after}=    Settings Dump
    Lists Should Be Equal    ${after}    ${factory}
    AT Command Should Answer    AT+CIPSW="abc123","usr.cn"    ERROR
    AT Command Should Answer    AT+CIPSW="usr.cn","abc123"    OK

A Password Changed With AT+CIPSW Survives A Power Cut
    [Documentation]    The new password replaces the old one at once and, saved, after a
    ...    power cut.
    [Tags]    R-AT-7    needs-power    needs-leds
    Enter Command Mode
    AT Command Should Answer    AT+CIPSW="usr.cn","abc123"    OK
    AT Command Should Answer    AT+CIPSW="usr.cn","again"    ERROR
    Save Settings
    Cut Power
    Power On DTU
    Wait Until DTU Is Online
    Enter Command Mode
    AT Command Should Answer    AT+CIPSW="usr.cn","again"    ERROR
    AT Command Should Answer    AT+CIPSW="abc123","usr.cn"    OK


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
    Send AT Command    AT+CIMODID="old settings"
    Send AT Command    AT+CIPNUM=10086
    Save Settings
    ${old}=    Settings Dump
    Send AT Command    AT+CIMODID="new settings"
    Send AT Command    AT+CIPNUM=13800000000
    RETURN    ${old}

Settings Dump
    [Documentation]    Every setting the DTU shows, as the reply lines of the queries.
    ${dump}=    Send AT Command    ${SETTINGS_QUERIES}[0]
    FOR    ${query}    IN    @{SETTINGS_QUERIES}[1:]
        ${reply}=    Send AT Command    ${query}
        Append To List    ${dump}    @{reply}
    END
    RETURN    ${dump}
