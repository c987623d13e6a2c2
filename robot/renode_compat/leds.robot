*** Settings ***
Documentation    Renode's LED keywords as a Renode test uses them, on a dtulab bench.
...
...              Written from Renode's documentation (renode-docs
...              source/basic/renode-testing-api.md, "GPIO": Create Led Tester, Assert Led
...              State, Assert And Hold LED State, Assert Led Is Blinking) and its own suites'
...              idioms (renode tests/platforms/*.robot, tests/unit-tests/precise-pause.robot:
...              testers by peripheral path, ``testerId=${led}``, named arguments,
...              ``Execute Command`` to drive the machine). Each edge case expects the outcome
...              of Renode's implementation: the C# method is cited in the test's
...              documentation (renode-infrastructure src/Emulator/Main/Testing/LEDTester.cs,
...              renode src/Renode/RobotFrameworkEngine/TestersProvider.cs, RenodeKeywords.cs),
...              and failures are matched on Renode's own ``<type>: <message>`` text.
...
...              Setup differences from a Renode suite: ``Start Bench`` / ``Stop Bench``
...              instead of creating a machine, and ``DTU Connected To The Data Centre`` where the DTU
...              needs a socket (the DTU's configuration, which a Renode machine would get
...              from its firmware). Everything else is Renode's keywords; ``Execute
...              Command`` runs the bench's control commands (``power off``, ``fault ...``,
...              ``send dc1 ...``) where a Renode test runs monitor commands.
...
...              The LEDs (docs/behaviour.md R-LED-1..3): POW and NET are steady (on while
...              powered, while attached to GPRS); DATA is on while a socket is connected and
...              goes off for 50 ms per packet moved, so it blinks while data flows. The
...              suite makes data flow at a known pace with the modem's bandwidth fault:
...              at 4096 bit/s the modem hands the DTU 256 bytes every 0.5 s, so DATA is
...              off 0.05 s and on 0.45 s. The bench's peripherals run in host time, and on
...              reference and qemu so do the phases (on renode they are Renode's virtual
...              time), so the tolerances are wider than a Renode test's (timers run late on
...              a loaded machine); ``pauseEmulation`` has no effect here.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${POW LED}       sysbus.scc.pow
${NET LED}       sysbus.scc.net
${DATA LED}      sysbus.scc.data
${DATA PHASE}    0.45
${BLINK}         0.05
# Host time: a phase within 60 % of its length (Renode's own tests use 5 to 20 % in virtual time).
${SLACK}         0.6


*** Test Cases ***
One Tester Per LED
    [Documentation]    TestersProvider.CreateNewTester: the same peripheral gets the same id,
    ...    however it is named (here: the SCC CFG1 bit, the LED's function, the bench's name);
    ...    another LED gets the next id.
    [Tags]    R-LED-1    needs-leds
    ${pow}=    Create LED Tester    sysbus.scc.led0
    Should Be Equal As Integers    ${pow}    0
    ${again}=    Create LED Tester    ${POW LED}    defaultTimeout=5
    Should Be Equal As Integers    ${again}    0
    ${bench name}=    Create LED Tester    POW    machine=dtu
    Should Be Equal As Integers    ${bench name}    0
    ${net}=    Create LED Tester    ${NET LED}
    Should Be Equal As Integers    ${net}    1
    ${data}=    Create LED Tester    scc.led2
    Should Be Equal As Integers    ${data}    2

A Tester Must Be Named When There Are Several
    [Documentation]    TestersProvider.GetTesterOrThrowException: without ``testerId`` the only
    ...    tester is used; with none, or more than one, the keyword fails; an unknown id fails.
    [Tags]    R-LED-1    needs-leds
    Run Keyword And Expect Error    KeywordException: There are no testers available.
    ...    Assert LED State    true
    Create LED Tester    ${POW LED}
    Assert LED State    true
    Create LED Tester    ${NET LED}
    Run Keyword And Expect Error
    ...    KeywordException: There is more than one tester available - please specify ID*
    ...    Assert LED State    true
    Assert LED State    true    testerId=1
    Run Keyword And Expect Error
    ...    KeywordException: Tester for given ID=7 was not found.*
    ...    Assert LED State    true    testerId=7

Unknown LEDs And Machines Are Refused
    [Documentation]    TestersProvider.CreateNewTester: a peripheral the machine does not have,
    ...    or a machine the emulation does not have, fails.
    [Tags]    R-LED-1    needs-leds
    Run Keyword And Expect Error
    ...    KeywordException: Peripheral for machine '' not found or of wrong type: 'sysbus.gpio.led'*
    ...    Create LED Tester    sysbus.gpio.led
    Run Keyword And Expect Error    KeywordException: Machine with name m1 not found.*
    ...    Create LED Tester    ${POW LED}    machine=m1

POW Is On While Powered
    [Documentation]    LEDTester.AssertState: with no timeout (the default 0) the state is
    ...    checked at once, and a wrong one fails at once.
    [Tags]    R-LED-1    R-PWR-1    needs-leds    needs-power
    Create LED Tester    ${POW LED}
    Assert LED State    true
    Run Keyword And Expect Error    InvalidOperationException: LED assertion not met.*
    ...    Assert LED State    false
    Execute Command    power off
    Assert LED State    false
    Execute Command    power    on
    Assert LED State    true    timeout=5

Assert LED State Waits Up To The Timeout
    [Documentation]    LEDTester.AssertState: it returns as soon as the LED gets there within the
    ...    timeout (here the tester's default, from Set Default LED Timeout), fails once the
    ...    timeout has passed without it; a negative timeout is refused (ValidateArgument).
    ...    The modem's latency fault holds one byte from dc1 back for 1.5 s: DATA goes off
    ...    for 50 ms when it arrives.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    Set Default LED Timeout    5
    Create LED Tester    ${DATA LED}
    Execute Command    fault latency ms=1500 direction=down
    Execute Command    send dc1 x
    Assert LED State    false
    Assert LED State    true    timeout=1
    Run Keyword And Expect Error    InvalidOperationException: LED assertion not met.*
    ...    Assert LED State    false    timeout=1
    Run Keyword And Expect Error
    ...    ArgumentException: Value must not be negative, but was -1 (Parameter 'timeout')
    ...    Assert LED State    false    timeout=-1

DATA Blinks While Data Flows
    [Documentation]    LEDTester.AssertIsBlinking: from the first change on (it only
    ...    synchronises) every phase is in the pattern; five pieces of data give five
    ...    blinks, then DATA stays on. The phase still running at the end is not checked,
    ...    so the blinking that stopped after 2.5 s of the 4 passes, as in Renode.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    ${data}=    Create LED Tester    ${DATA LED}
    Data Flows From The Data Centre    pieces=5
    Assert LED Is Blinking    testDuration=4    onDuration=${DATA PHASE}    offDuration=${BLINK}
    ...    tolerance=${SLACK}    testerId=${data}    pauseEmulation=true

Blinking Off The Pattern Fails At Once
    [Documentation]    LEDTester.AssertIsBlinking: the first phase off the pattern ends the
    ...    keyword with "State duration was out of specified range", long before
    ...    ``testDuration``.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    ${data}=    Create LED Tester    ${DATA LED}
    Data Flows From The Data Centre    pieces=5
    ${started}=    Evaluate    time.monotonic()    modules=time
    Run Keyword And Expect Error
    ...    InvalidOperationException: Expected blinking pattern not detected (State duration was out*
    ...    Assert LED Is Blinking    testDuration=60    onDuration=0.2    offDuration=0.2
    ...    testerId=${data}
    ${took}=    Evaluate    time.monotonic() - ${started}    modules=time
    Should Be True    ${took} < 30    the check took ${took} s of its 60

Blinking That Stops Fails When The LED Changes Again
    [Documentation]    LEDTester.AssertIsBlinking: the long phase after the blinking stopped is
    ...    checked when it ends: one more byte, held back 4 s by the modem's latency fault,
    ...    makes DATA blink again, and the keyword fails then.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    ${data}=    Create LED Tester    ${DATA LED}
    Data Flows From The Data Centre    pieces=5
    Assert LED State    false    timeout=5    testerId=${data}
    Execute Command    fault latency ms=4000 direction=down
    Execute Command    send dc1 x
    Run Keyword And Expect Error
    ...    InvalidOperationException: Expected blinking pattern not detected (State duration was out*
    ...    Assert LED Is Blinking    testDuration=30    onDuration=${DATA PHASE}
    ...    offDuration=${BLINK}    tolerance=${SLACK}    testerId=${data}

A Steady LED Is Not Blinking
    [Documentation]    LEDTester.AssertIsBlinking: a LED that never changed fails after the
    ...    whole ``testDuration`` with "LED state never changed".
    [Tags]    R-LED-1    needs-leds
    Create LED Tester    ${POW LED}
    Run Keyword And Expect Error
    ...    InvalidOperationException: Expected blinking pattern not detected (LED state never changed)*
    ...    Assert LED Is Blinking    testDuration=1    onDuration=0.5    offDuration=0.5

One Change Is Not Blinking
    [Documentation]    LEDTester.AssertIsBlinking: the first change only synchronises, so a
    ...    LED that changed once "never changed". dc1 refuses new connections and resets
    ...    the DTU's; the modem's latency fault brings the news 2 s later: DATA goes off
    ...    once and stays off.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    Create LED Tester    ${DATA LED}
    Execute Command    fault dc1 refuse
    Execute Command    fault latency ms=2000 direction=down
    Execute Command    fault dc1 reset
    Run Keyword And Expect Error
    ...    InvalidOperationException: Expected blinking pattern not detected (LED state never changed)*
    ...    Assert LED Is Blinking    testDuration=5    onDuration=0.5    offDuration=0.5
    Assert LED State    false

Duty Cycle While Data Flows
    [Documentation]    LEDTester.AssertDutyCycle: the share of time on between the changes,
    ...    from the first: four 0.45 s on phases and five 0.05 s off phases, about 0.88.
    ...    A share out of the tolerance fails after the whole duration with "Fill
    ...    assertion not met"; a LED that changed less than twice has no share (0/0 in
    ...    Renode) and passes.
    [Tags]    R-LED-3    R-LED-1    needs-leds    needs-network
    DTU Connected To The Data Centre
    ${data}=    Create LED Tester    ${DATA LED}
    ${pow}=    Create LED Tester    ${POW LED}
    Data Flows From The Data Centre    pieces=5
    Assert LED Duty Cycle    testDuration=4    expectedDutyCycle=0.88    tolerance=0.1
    ...    testerId=${data}
    Data Flows From The Data Centre    pieces=5
    Run Keyword And Expect Error
    ...    InvalidOperationException: Fill assertion not met: expected 50 with tolerance 5%, but got *
    ...    Assert LED Duty Cycle    testDuration=4    expectedDutyCycle=0.5    testerId=${data}
    Assert LED Duty Cycle    testDuration=1    expectedDutyCycle=0.5    testerId=${pow}
    Run Keyword And Expect Error
    ...    EQUALS:ArgumentException: Value must be in range [0; 1], but was 1.5 (Parameter 'expectedDutyCycle')
    ...    Assert LED Duty Cycle    testDuration=1    expectedDutyCycle=1.5    testerId=${pow}

POW Holds Its State
    [Documentation]    LEDTester.AssertAndHoldState: a LED in the state already must stay there
    ...    for ``timeoutHold``; one that does not get there within ``timeoutAssert`` fails
    ...    with "Initial LED assertion not met."; ``timeoutHold`` must be positive.
    [Tags]    R-LED-1    needs-leds
    Create LED Tester    ${POW LED}
    Assert And Hold LED State    true    timeoutAssert=0    timeoutHold=1
    Run Keyword And Expect Error    InvalidOperationException: Initial LED assertion not met.*
    ...    Assert And Hold LED State    false    timeoutAssert=1    timeoutHold=1
    Run Keyword And Expect Error
    ...    ArgumentException: Value must be positive, but was 0 (Parameter 'timeoutHold')
    ...    Assert And Hold LED State    true    0    0

A Change During The Hold Fails At Once
    [Documentation]    LEDTester.AssertAndHoldState: DATA is on and must hold for 30 s; the
    ...    byte held back 1.5 s makes it blink, and the keyword fails then with "LED changed
    ...    state.", not at the end of the hold.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    Create LED Tester    ${DATA LED}
    Execute Command    fault latency ms=1500 direction=down
    Execute Command    send dc1 x
    ${started}=    Evaluate    time.monotonic()    modules=time
    Run Keyword And Expect Error    InvalidOperationException: LED changed state.*
    ...    Assert And Hold LED State    true    timeoutAssert=0    timeoutHold=30
    ${took}=    Evaluate    time.monotonic() - ${started}    modules=time
    Should Be True    ${took} < 15    the hold failed after ${took} s of its 30

Hold Counts From The Change
    [Documentation]    LEDTester.AssertAndHoldState: a LED that gets to the state within
    ...    ``timeoutAssert`` must then hold it for ``timeoutHold`` from that change: DATA
    ...    goes off when the news of the reset arrives (2 s) and stays off (dc1 refuses the
    ...    DTU); the 50 ms blink of a byte that arrives does not hold.
    [Tags]    R-LED-3    needs-leds    needs-network
    DTU Connected To The Data Centre
    Create LED Tester    ${DATA LED}
    Execute Command    fault latency ms=1500 direction=down
    Execute Command    send dc1 x
    Run Keyword And Expect Error    InvalidOperationException: LED changed state.*
    ...    Assert And Hold LED State    false    timeoutAssert=5    timeoutHold=1
    Execute Command    clear latency
    Execute Command    fault dc1 refuse
    Execute Command    fault latency ms=2000 direction=down
    Execute Command    fault dc1 reset
    Assert And Hold LED State    false    timeoutAssert=5    timeoutHold=1

Execute Command Runs The Bench's Commands
    [Documentation]    RenodeKeywords.ExecuteCommand: the fragments are joined with spaces and
    ...    what the command prints is returned; a command the monitor cannot run fails with
    ...    "Could not execute command", one that fails while running with "There was an
    ...    error when executing command".
    [Tags]    R-LED-1    needs-leds
    ${status}=    Execute Command    status
    Should Contain    ${status}    POW ●
    ${out}=    Execute Command    emulation RunFor    "0.1"
    Should Be Empty    ${out}
    Run Keyword And Expect Error
    ...    KeywordException: Could not execute command 'nosuch command'*
    ...    Execute Command    nosuch command
    Run Keyword And Expect Error
    ...    KeywordException: There was an error when executing command 'power sideways': usage: power on|off
    ...    Execute Command    power sideways
    Run Keyword And Expect Error    KeywordException: Machine with name m1 not found.*
    ...    Execute Command    status    machine=m1


*** Keywords ***
DTU Connected To The Data Centre
    [Documentation]    dtulab setup: socket 1 connected to the data-centre server dc1, DATA on.
    Enter Command Mode
    Configure Socket    1    dc1
    Leave Command Mode
    LED Should Be On    DATA    timeout=20

Data Flows From The Data Centre
    [Documentation]    dc1 sends ``pieces`` × 256 bytes (at most 5: the modem reads 1460
    ...    bytes at a time, and a read that is no multiple of 256 makes a short piece); the
    ...    modem's bandwidth fault hands them to the DTU one piece every 0.5 s.
    [Arguments]    ${pieces}
    Execute Command    clear bandwidth
    Execute Command    fault bandwidth bps=4096 direction=down
    ${bytes}=    Evaluate    "x" * 256 * ${pieces}
    Execute Command    send dc1 ${bytes}
