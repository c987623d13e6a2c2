*** Settings ***
Documentation    Renode's UART keywords as a Renode suite uses them, on the DTU's RS232 port.
...              Written from Renode's documentation (docs/introduction/testing) and its own
...              suites (renode/renode tests/unit-tests/uart-tester.robot, precise-pause.robot,
...              tests/peripherals/LSM303.robot), not from dtulab's keywords: each test checks
...              the outcome Renode's implementation gives, and names the C# method
...              (renode-infrastructure TerminalTester.cs, renode UartKeywords.cs,
...              TestersProvider.cs) it follows.
...
...              The one setup difference from ``renode-test``: ``Start Bench`` instead of
...              loading a platform. What Renode's suites do with ``Execute Command`` (make a
...              peripheral send bytes), the keywords at the end do with the bench: the DTU's
...              data centre sends the bytes, the DTU passes them to its RS232 port.

Resource         ../resources/dtulab.resource

Test Setup       Start Bench
Test Teardown    Stop Bench

Test Tags        renode-compat


*** Variables ***
${UART}     sysbus.uart0
@{CIMOD}    +CIMOD: 0    ${EMPTY}    OK


*** Test Cases ***
Should Match A Regex Anchored To One Line
    [Documentation]    ``CheckFinishedLines``: ``Regex.Match`` on each line, which has no CR
    ...    (``WriteChar`` drops it): ``^OK$`` is a whole line and a group ends before the CR.
    ...    The result has ``Line``, ``Groups`` and ``Timestamp``, and the lower-case names.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT+CIMOD?
    ${r}=    Wait For Line On Uart    ^\\+CIMOD: (\\d+)$    treatAsRegex=true
    Should Be Equal    ${r.Line}    +CIMOD: 0
    Should Be Equal    ${r.Groups[0]}    0
    Should Be Equal    ${r.line}    ${r.Line}
    Should Be Equal    ${r.groups}    ${r.Groups}
    Should Be Equal    ${r.timestamp}    ${r.Timestamp}
    ${ok}=    Wait For Line On Uart    ^OK$    treatAsRegex=true
    Should Be True    ${ok.Timestamp} >= ${r.Timestamp} > 0

Should Match A Substring And Consume The Lines Before It
    [Documentation]    ``HandleSuccess``: the matching line and every line before it are
    ...    consumed; a later wait cannot find them.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT+CIPSCONT?
    Wait For Line On Uart    +CIMOD:
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    +CIPCFG:    timeout=1
    Wait For Line On Uart    +CINETPT:4,0

Should Fail When The Line Does Not Come In Time
    [Documentation]    ``WaitForMatch`` gives up after the timeout; ``OperationFail`` reports
    ...    ``Terminal tester failed!`` with the report. ``timeout=0`` checks what is there
    ...    and waits for nothing (precise-pause.robot).
    Create Terminal Tester    ${UART}
    Run Keyword And Expect Error    *Terminal tester failed!*Full report*
    ...    Wait For Line On Uart    String that was not printed    timeout=1
    Run Keyword And Expect Error    *Terminal tester failed!*
    ...    Wait For Line On Uart    String that was not printed    timeout=0

Should Match A Prompt Only As An Unfinished Line
    [Documentation]    ``WaitFor``: without ``includeUnfinishedLine`` only finished lines
    ...    count; the DTU's ``a`` after ``+++`` has no line end. ``Wait For Prompt On Uart``
    ...    and ``includeUnfinishedLine=true`` take the unfinished line whole.
    Create Terminal Tester    ${UART}
    Test If Uart Is Idle    0.3
    Write To Uart    +++
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    a    timeout=1
    ${r}=    Wait For Line On Uart    a    includeUnfinishedLine=true
    Should Be Equal    ${r.Line}    a
    Write Char On Uart    a
    ${r}=    Wait For Prompt On Uart    +ok
    Should Be Equal    ${r.Line}    +ok

Should Match The Next Line Only With Match Next Line
    [Documentation]    ``CheckFinishedLines(matchFirstLine)``: with ``matchNextLine`` only the
    ...    first line not consumed counts. After the echo of ``AT+CIPSCONT?`` (matched in the
    ...    unfinished line as it comes) that is the rest of the echo's line, empty, which
    ...    ``Wait For Next Line On Uart`` (``NextLine``) takes.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT+CIPSCONT?
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    +CIPCFG:    timeout=1    matchNextLine=true
    ${r}=    Wait For Next Line On Uart
    Should Be Empty    ${r.Line}
    ${r}=    Wait For Line On Uart    ^\\+CIPCFG: \\d+    treatAsRegex=true    matchNextLine=true
    Should Be Equal    ${r.Line}    +CIPCFG: 1, 0, 0, 100, 1460, 0
    ${r}=    Wait For Next Line On Uart
    Should Be Empty    ${r.Line}
    ${r}=    Wait For Next Line On Uart
    Should Start With    ${r.Line}    +CIPPACK: 0

Should Match The Next Line By Default When The Tester Says So
    [Documentation]    ``CreateTerminalTester(defaultMatchNextLine)`` is the default of
    ...    ``matchNextLine`` from then on; a second ``Create Terminal Tester`` on the same
    ...    UART gives the same id and sets the defaults again.
    ${id}=    Create Terminal Tester    ${UART}    defaultMatchNextLine=true
    Enter Command Mode On Uart
    Write Line To Uart    AT+CIMOD?
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    +CIMOD: 0    timeout=1
    ${again}=    Create Terminal Tester    ${UART}
    Should Be Equal    ${again}    ${id}
    Wait For Line On Uart    +CIMOD: 0

Should Wait For Consecutive Lines In Order
    [Documentation]    ``WaitForMultilineMatch`` (LSM303.robot's ``Wait For Lines On Uart
    ...    ${MAGNETICFIELD}``): each item in its own line, the lines next to each other;
    ...    the result is the last. ``+CIMOD: 0`` and ``OK`` alone are not consecutive.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT+CIMOD?
    ${r}=    Wait For Lines On Uart    ${CIMOD}
    Should Be Equal    ${r.Line}    OK
    Write Line To Uart    AT+CIMOD?
    VAR    @{apart}=    +CIMOD: 0    OK
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Lines On Uart    ${apart}    timeout=1

Should Wait For Lines From The Next Line And Into The Unfinished One
    [Documentation]    ``WaitFor(string[])``: ``matchFromNextLine`` waits for each item as the
    ...    next line; ``includeUnfinishedLine`` lets the last item be the unfinished line.
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}
    Data Centre Sends    first\r\nsecond\r\nthird\r\nlogin:${SPACE}
    VAR    @{wanted}=    second    third
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Lines On Uart    ${wanted}    timeout=1    matchFromNextLine=true
    Wait For Next Line On Uart
    VAR    @{wanted}=    second    third    login:
    ${r}=    Wait For Lines On Uart    ${wanted}    includeUnfinishedLine=true
    ...    matchFromNextLine=true
    Should Be Equal    ${r.Line}    login:${SPACE}

Should Fail On A Registered Failing String
    [Documentation]    ``MatchFailingStrings`` runs before the wait's own match
    ...    (uart-tester.robot, Should Fail On Failing String): ``ERROR`` fails the wait
    ...    for ``OK`` with ``Test failing entry``; a failing string may be a regex.
    Create Terminal Tester    ${UART}
    Register Failing Uart String    ERR.R    treatAsRegex=true
    Enter Command Mode On Uart
    Write Line To Uart    AT+FOO
    Run Keyword And Expect Error    *Test failing entry*ERROR*
    ...    Wait For Line On Uart    OK

Should Unregister Failing String
    [Documentation]    ``UnregisterFailingString``: once unregistered the string passes; a
    ...    string not registered cannot be unregistered.
    Create Terminal Tester    ${UART}
    Register Failing Uart String    ERROR
    Unregister Failing Uart String    ERROR
    Enter Command Mode On Uart
    Write Line To Uart    AT+FOO
    Wait For Line On Uart    ERROR
    Run Keyword And Expect Error    *Unable to unregister failing string*
    ...    Unregister Failing Uart String    ERROR

Should Not Be On Uart
    [Documentation]    ``ShouldNotBeOnUart`` waits the whole timeout and fails with
    ...    ``Unexpected entry`` when the line comes.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT
    Should Not Be On Uart    ERROR    timeout=1
    Write Line To Uart    AT+FOO
    Run Keyword And Expect Error    *Unexpected entry has been found on UART*ERROR*
    ...    Should Not Be On Uart    ERROR    timeout=5

Should Tell An Idle Uart From A Talking One
    [Documentation]    ``IsIdle``: no character within the timeout passes; a DTU that writes
    ...    a heartbeat to its serial port every second fails it.
    Create Terminal Tester    ${UART}
    Test If Uart Is Idle    1
    Let The DTU Write A Heartbeat Every Second
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Test If Uart Is Idle    5

Should Write Text, Characters And Keys
    [Documentation]    ``WriteToUart`` writes as it is, ``WriteCharOnUart`` one character,
    ...    ``SendKeyToUart`` one byte given as a number (``0x0D``: the CR that ends the
    ...    command).
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write To Uart    AT+CIMOD
    Write Char On Uart    ?
    Send Key To Uart    0x0D
    ${r}=    Wait For Line On Uart    +CIMOD:
    Should Be Equal    ${r.Line}    +CIMOD: 0

Should Fail A Line Write Without Its Echo
    [Documentation]    ``WriteLineToUart`` waits for the echo of what it wrote with the
    ...    tester's timeout; in transparent mode the DTU echoes nothing.
    ...    ``waitForEcho=false`` does not wait.
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}    timeout=1
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Write Line To Uart    hello
    Write Line To Uart    again    waitForEcho=false

Should Give The Same Tester For The Same Uart
    [Documentation]    ``CreateNewTester``: the same UART, whatever its name, keeps its tester
    ...    and id; an unknown UART is refused (uart-tester.robot, Should Fail On
    ...    Non-Existing UART).
    ${a}=    Create Terminal Tester    sysbus.uart0
    ${b}=    Create Terminal Tester    uart0
    ${c}=    Create Terminal Tester    rs232
    Should Be Equal As Integers    ${a}    0
    Should Be Equal    ${b}    ${a}
    Should Be Equal    ${c}    ${a}
    Run Keyword And Expect Error    *not found or of wrong type*
    ...    Create Terminal Tester    sysbus.non_existing_uart

Should Choose The Tester By Id Or Default
    [Documentation]    ``GetTesterOrThrowException`` and ``SetDefaultTesterId``: no tester is
    ...    an error; one tester needs no id; a default must exist and ``null`` clears it.
    Run Keyword And Expect Error    *There are no testers available*
    ...    Wait For Line On Uart    OK
    ${u0}=    Create Terminal Tester    ${UART}
    Set Default Tester    ${u0}
    Enter Command Mode On Uart
    Write Line To Uart    AT    testerId=${u0}
    Wait For Line On Uart    OK
    Set Default Tester    null
    Run Keyword And Expect Error    *Tester #5 was not found*
    ...    Set Default Tester    5
    Run Keyword And Expect Error    *Tester for given ID=5 was not found*
    ...    Wait For Line On Uart    OK    testerId=5

Should Use The Default Uart Timeout For New Testers
    [Documentation]    ``SetDefaultUartTimeout``: testers created afterwards without a
    ...    ``timeout`` fail after it (1 s, within the 6 s the check allows, not Renode's 8 s).
    Set Default Uart Timeout    1
    Create Terminal Tester    ${UART}
    Waiting For Line On Uart Fails Within Six Seconds    never printed
    [Teardown]    Run Keywords    Set Default Uart Timeout    8    AND    Stop Bench

Should Clean Escape Sequences And Unsafe Characters From Text Lines
    [Documentation]    ``AppendCharToBuffer`` decodes SGR sequences away and ``WriteChar``
    ...    drops NUL; the matching sees the tab and the Latin-1 byte, the result's ``Line``
    ...    keeps printable ASCII only (``StripNonSafeCharacters``).
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}
    Data Centre Sends    \x1b[1;31mred\x1b[0m\x00 alert\ttab\xe9\r\n
    ${r}=    Wait For Line On Uart    red alert\ttab\xe9
    Should Be Equal    ${r.Line}    red alerttab

Should End Lines At CR When Asked
    [Documentation]    ``EndLineOption.TreatCarriageReturnAsEndLine``: CR ends a line and LF
    ...    stays in the next one, so ``OK`` is the line ``\nOK`` and ``^OK$`` does not match.
    Create Terminal Tester    ${UART}    endLineOption=TreatCarriageReturnAsEndLine
    Enter Command Mode On Uart
    Write Line To Uart    AT
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    ^OK$    timeout=1    treatAsRegex=true
    ${r}=    Wait For Line On Uart    OK
    Should Be Equal    ${r.Line}    \nOK

Should Allow Waiting For Byte String Containing All Byte Values
    [Documentation]    Binary mode (uart-tester.robot, the same name): ``Wait For Bytes On
    ...    Uart`` takes hex; ``Content`` is the bytes, every value 0..255 passed through.
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}    binaryMode=true
    ${bytes}=    Evaluate    bytes(range(2**8))
    Data Centre Sends    ${{$bytes.decode('latin-1')}}
    ${m}=    Wait For Bytes On Uart    ${{$bytes.hex()}}    matchStart=true
    Should Be Equal    ${m.Content}    ${bytes}

Should Allow Waiting For Byte String Containing All Byte Values As Regex
    [Documentation]    Binary mode with regexes (uart-tester.robot, the same name): ``.``
    ...    matches any byte (``RegexOptions.Singleline``), groups are bytes, and a match
    ...    consumes up to its end.
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}    binaryMode=true
    ${bytes}=    Evaluate    bytes(range(2**8))
    Repeat Keyword    3 times    Data Centre Sends    ${{$bytes.decode('latin-1')}}
    ${bytes_re}=    Evaluate    "".join(rf"\\x{b:02x}" for b in $bytes)
    ${m}=    Wait For Bytes On Uart    ${bytes_re}    matchStart=true    treatAsRegex=true
    Should Be Equal    ${m.Content}    ${bytes}
    ${m}=    Wait For Bytes On Uart    \\x00.*?\\xff    matchStart=true    treatAsRegex=true
    Should Be Equal    ${m.Content}    ${bytes}
    ${m}=    Wait For Bytes On Uart    (\\x11.*)\\x41.*?([\\x50-\\x5f]+).*?\\xfd    treatAsRegex=true
    Should Be Equal    ${m.Content}    ${{$bytes[0x11:-2]}}
    Should Be Equal    ${m.Groups[0]}    ${{bytes(range(0x11, 0x41))}}
    Should Be Equal    ${m.Groups[1]}    ${{bytes(range(0x50, 0x60))}}

Should Allow Waiting For Immediately Adjacent Byte Strings
    [Documentation]    Binary mode (uart-tester.robot, the same name): bytes before and in a
    ...    match are gone, so ``R OS`` no longer matches after ``ZEPHYR``; ``matchStart``
    ...    wants the match at the first byte left.
    Connect The DTU To Its Data Centre
    Create Terminal Tester    ${UART}    binaryMode=true
    Data Centre Sends    ZEPHYR OS\r\nshell
    Wait For Bytes On Uart    5a 45 50 48 59 52
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Bytes On Uart    52 20 4f 53    timeout=1
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Bytes On Uart    0d 0a    timeout=0    matchStart=true
    Wait For Bytes On Uart    0d 0a 73 68    timeout=0
    Wait For Bytes On Uart    65 6c 6c    timeout=0    matchStart=true

Should Not Mix Text And Binary Waits
    [Documentation]    ``DoTest``: bytes are waited for on a binary-mode tester only, text
    ...    on a text one (uart-tester.robot, Should Not Allow Waiting For ...).
    Create Terminal Tester    ${UART}    binaryMode=true
    Run Keyword And Expect Error    *Attempt to wait for text on a tester configured in binary mode*
    ...    Wait For Line On Uart    ZEPHYR    timeout=1

Should Report What The Tester Saw
    [Documentation]    ``GetReport``: the lines consumed with their timestamps, each event
    ...    with its outcome, and the unfinished line.
    Create Terminal Tester    ${UART}
    Enter Command Mode On Uart
    Write Line To Uart    AT
    Wait For Line On Uart    OK
    ${report}=    Get Terminal Tester Report
    Should Contain    ${report}    Attached to UART event: success
    Should Contain    ${report}    Line containing >>OK<< event: success
    Should Match Regexp    ${report}    \\] OK\\n


*** Keywords ***
Enter Command Mode On Uart
    [Documentation]    The DTU's escape (manual 3.1.1) with the tester: 300 ms of silence,
    ...    ``+++``, the DTU's ``a``, the host's ``a``, the DTU's ``+ok``.
    Test If Uart Is Idle    0.3
    Write To Uart    +++
    Wait For Prompt On Uart    a
    Write Char On Uart    a
    Wait For Prompt On Uart    +ok

Waiting For Line On Uart Fails Within Six Seconds
    [Documentation]    The wait for ``content`` fails, and it does so within 6 s.
    [Arguments]    ${content}
    [Timeout]    6 s
    Run Keyword And Expect Error    *Terminal tester failed*
    ...    Wait For Line On Uart    ${content}

Connect The DTU To Its Data Centre
    [Documentation]    dtulab's stimulus in place of Renode's ``Execute Command``: socket 1
    ...    connected to the data centre ``dc1``, the DTU in transparent mode (what it gets
    ...    from the server it writes on its RS232 port as it is).
    Enter Command Mode
    Configure Socket    1    dc1
    Leave Command Mode
    Server Should Be Connected    dc1

Let The DTU Write A Heartbeat Every Second
    [Documentation]    dtulab's stimulus: the DTU, connected to ``dc1``, writes a heartbeat
    ...    to its serial port every second of idle link (manual 2.3).
    Enter Command Mode
    Set Heartbeat    1 s    <beat>    to=serial
    Configure Socket    1    dc1
    Leave Command Mode
    Server Should Be Connected    dc1

Data Centre Sends
    [Documentation]    The data centre sends ``data`` (each character one byte) to the DTU.
    [Arguments]    ${data}
    Server Sends    ${data}    dc1
