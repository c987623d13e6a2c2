*** Settings ***
Documentation    The LEDs (manual 2.5): POW, NET and DATA.
...              Requirements: docs/behaviour.md R-LED-1..3.

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
    [Documentation]    NET is on while the DTU is attached to GPRS: off when coverage goes,
    ...    on again once it is back.
    [Tags]    R-LED-2    needs-leds    needs-network
    LED Should Be On    NET    timeout=0
    ${fault}=    Inject Network Fault    no-coverage
    LED Should Be Off    NET    timeout=20
    Clear Network Fault    ${fault}
    LED Should Be On    NET    timeout=30

NET Is Off From Power-On Until GPRS Is Attached
    [Documentation]    After a cold boot NET stays off until the DTU has attached to GPRS,
    ...    which it then says in command mode as well.
    [Tags]    R-LED-2    needs-leds    needs-power
    Cut Power
    Power On DTU
    LED Should Be Off    NET    timeout=0
    LED Should Be On    NET    timeout=30
    Wait Until DTU Is Online

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
