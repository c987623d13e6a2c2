*** Settings ***
Documentation    The power inputs (manual 1.1, 1.3): either input, brown-out, cold boot.
...              Requirements: docs/behaviour.md R-PWR-1.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
Either Input Powers The DTU
    [Documentation]    The DC jack or the DIP terminal, 9-24 V, powers the DTU; with both at
    ...    0 V it is off.
    [Tags]    R-PWR-1    needs-power    needs-leds
    Set Rail Voltage    dip    24
    Set Rail Voltage    dc    0
    LED Should Be On    POW    timeout=0
    Set Rail Voltage    dip    0
    LED Should Be Off    POW
    Set Rail Voltage    dip    9
    Wait Until DTU Is Online

Brown Out Holds The DTU Off And Recovery Is A Cold Boot With The Saved Settings
    [Documentation]    Below the brown-out threshold the DTU is held off; when the supply
    ...    returns it boots and connects with the settings saved before.
    [Tags]    R-PWR-1    needs-power    needs-leds
    Enter Command Mode
    Configure Socket    1    dc1
    Save Settings
    Leave Command Mode
    Server Should Be Connected    dc1
    Set Rail Voltage    dc    8
    LED Should Be On    POW    timeout=0
    Set Rail Voltage    dc    7
    LED Should Be Off    POW
    Server Connection Should Close    dc1
    Set Rail Voltage    dc    8.5
    LED Should Be Off    POW    timeout=0
    Set Rail Voltage    dc    12
    Wait Until DTU Is Online
    Server Should Be Connected    dc1    count=2
