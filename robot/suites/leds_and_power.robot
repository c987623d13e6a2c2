*** Settings ***
Documentation    The LEDs (manual 2.5) and the power inputs (manual 1.1, 1.3) seen from
...              outside the DTU. Requirements: docs/behaviour.md R-LED-1..3, R-PWR-1.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Test Cases ***
POW Follows The Supply
    [Documentation]    POW is on while the DTU is powered; a cut turns every LED off.
    [Tags]    R-LED-1    R-PWR-1    needs-leds    needs-power
    LED Should Be On    POW    timeout=0
    Cut Power
    LED Should Be Off    POW
    LED Should Be Off    NET    timeout=0
    LED Should Be Off    DATA    timeout=0
    Power On DTU
    LED Should Be On    POW
    Wait Until DTU Is Online

POW As A Renode LED Tester Sees It
    [Documentation]    The same rule through Renode's LED keywords.
    [Tags]    R-LED-1    needs-leds    needs-power
    ${pow}=    Create LED Tester    POW
    Assert LED State    ${True}    testerId=${pow}
    Cut Power
    Assert LED State    ${False}    timeout=5    testerId=${pow}
    Power On DTU
    Assert LED State    ${True}    timeout=5    testerId=${pow}

NET Shows GPRS
    [Documentation]    NET is on while the DTU is attached to GPRS.
    [Tags]    R-LED-2    needs-leds    needs-network
    LED Should Be On    NET    timeout=0
    Drop Network
    LED Should Be Off    NET    timeout=20
    Restore Network
    LED Should Be On    NET    timeout=30

DATA Is On While Connected And Blinks While Data Flows
    [Documentation]    DATA is on while a socket is connected, blinks while data flows and
    ...    goes off when no socket is connected.
    [Tags]    R-LED-3    needs-leds    needs-network
    LED Should Be Off    DATA    timeout=0
    Enter Command Mode
    Configure Socket    1    dc1
    Leave Command Mode
    LED Should Be On    DATA    timeout=20
    FOR    ${i}    IN RANGE    12
        Send To DTU    packet ${i};    after=150 ms
    END
    LED Should Be Blinking    DATA    window=1.5 s
    Drop Network
    LED Should Be Off    DATA    timeout=20

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
