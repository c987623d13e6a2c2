*** Settings ***
Documentation    SMS passthrough (manual 2.1.3) and SMS AT commands (3.1), through the modelled
...              SMS centre. Requirements: docs/behaviour.md R-SMS-1, R-SMS-2, R-AT-5.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${PHONE}    13912345678


*** Test Cases ***
Serial Data Becomes An SMS To The Configured Number
    [Documentation]    In SMS mode every serial packet is sent as an SMS to AT+CIPNUM's number.
    [Tags]    R-SMS-1    needs-network
    Configure DTU    AT+CIMOD=4    AT+CIPNUM=10086
    Send To DTU    temperature 21.5
    SMS Should Be Sent To    10086    temperature 21.5    timeout=30
    Send To DTU    temperature 21.7
    SMS Should Be Sent To    10086    temperature 21.7    timeout=30

An SMS From Any Number Reaches The Serial Port
    [Documentation]    An SMS from any number is written to the serial port; nothing goes back.
    [Tags]    R-SMS-2    needs-network
    Configure DTU    AT+CIMOD=4    AT+CIPNUM=10086
    Discard DTU Output
    Inject SMS    ${PHONE}    hello host
    DTU Should Output    hello host    timeout=30
    Inject SMS    +8613800000099    from another phone
    DTU Should Output    from another phone    timeout=30
    No SMS Should Be Sent

Chinese Text Passes Both Ways
    [Documentation]    Chinese text goes out as an SMS and comes in from one unchanged (UTF-8 on
    ...    the serial port).
    [Tags]    R-SMS-1    R-SMS-2    needs-network
    Configure DTU    AT+CIMOD=4    AT+CIPNUM=10086
    Send Text To DTU    你好，世界！温度 25℃
    SMS Should Be Sent To    10086    你好，世界！温度 25℃    timeout=30
    Discard DTU Output
    Inject SMS    ${PHONE}    收到，谢谢
    DTU Should Output Text    收到，谢谢    timeout=30

SMS Commands Are Answered By SMS To Their Sender And Take Effect
    [Documentation]    ``<password>#AT...`` by SMS runs each command (chained with ``;AT``); one
    ...    SMS with every reply goes back to the sender; nothing reaches the serial port.
    [Tags]    R-AT-5    needs-network
    Discard DTU Output
    Inject SMS    ${PHONE}    usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?
    SMS Should Be Sent To    ${PHONE}    OK\r\nOK\r\n+CIPNUM: 10010\r\nOK    timeout=30
    DTU Should Not Output Anything    300 ms
    Send To DTU    now in SMS mode
    SMS Should Be Sent To    10010    now in SMS mode    timeout=30

An SMS Command With A Wrong Password Gets ERROR
    [Documentation]    A wrong password is answered ``ERROR`` by SMS and changes nothing.
    [Tags]    R-AT-5    needs-network
    Configure DTU    AT+CIPNUM=10086
    Inject SMS    ${PHONE}    guess#AT+CIPNUM=12345
    SMS Should Be Sent To    ${PHONE}    ERROR    timeout=30
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10086

SMS Commands Switched Off Are Text
    [Documentation]    With AT+CISMSAT=0 a password command by SMS is ordinary text: in SMS mode
    ...    it reaches the serial port and is not run.
    [Tags]    R-AT-5    R-SMS-2    needs-network
    Configure DTU    AT+CIMOD=4    AT+CIPNUM=10086    AT+CISMSAT=0
    Discard DTU Output
    Inject SMS    ${PHONE}    usr.cn#AT+CIMOD=0
    DTU Should Output    usr.cn#AT+CIMOD=0    timeout=30
    Setting Should Be    AT+CIMOD?    +CIMOD: 4
    No SMS Should Be Sent    0 s
