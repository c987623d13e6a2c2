*** Settings ***
Documentation    SMS AT commands (manual 3.1.4): commands by SMS, the reply by SMS.
...              Requirements: docs/behaviour.md R-AT-5.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${PHONE}    13912345678


*** Test Cases ***
SMS Commands Are Answered By SMS To Their Sender And Take Effect
    [Documentation]    ``<password>#AT...`` by SMS runs each command (chained with ``;AT``); one
    ...    SMS with every reply goes back to the sender; nothing reaches the serial port.
    [Tags]    R-AT-5    needs-network
    ${set}=    Dialect Command    set sms number    10010
    ${mode}=    Dialect Command    set mode    SMS
    ${ask}=    Dialect Command    sms number?
    ${number}=    Dialect Reply    sms number?    10010
    ${line}=    Password Command    ${set};${mode};${ask}
    Discard DTU Output
    Inject SMS    ${PHONE}    ${line}
    SMS Should Be Sent To    ${PHONE}    OK\r\nOK\r\n${number}\r\nOK    timeout=30
    DTU Should Not Output Anything    300 ms
    Send To DTU    now in SMS mode
    SMS Should Be Sent To    10010    now in SMS mode    timeout=30

An SMS Command With A Wrong Password Gets ERROR
    [Documentation]    A wrong password is answered ``ERROR`` (the dialect's answer to it) by
    ...    SMS and changes nothing.
    [Tags]    R-AT-5    needs-network
    Enter Command Mode
    Set SMS Number    10086
    Leave Command Mode
    ${set}=    Dialect Command    set sms number    12345
    ${line}=    Password Command    ${set}    password=guess
    ${refused}=    Dialect Reply    wrong password
    Inject SMS    ${PHONE}    ${line}
    SMS Should Be Sent To    ${PHONE}    ${refused}    timeout=30
    Setting Should Be    sms number?    10086

SMS Commands Switched Off Are Text
    [Documentation]    With SMS password commands off, a password command by SMS is ordinary
    ...    text: in SMS mode it reaches the serial port and is not run.
    [Tags]    R-AT-5    R-SMS-2    needs-network
    Enter Command Mode
    Set Work Mode    SMS
    Set SMS Number    10086
    Set Remote AT    sms    ${False}
    Leave Command Mode
    ${net}=    Dialect Command    set mode    NET
    ${line}=    Password Command    ${net}
    Discard DTU Output
    Inject SMS    ${PHONE}    ${line}
    DTU Should Output    ${line}    timeout=30
    Setting Should Be    mode?    SMS
    No SMS Should Be Sent    0 s
