*** Settings ***
Documentation    SMS passthrough mode (manual 2.1.3) through the modelled SMS centre.
...              Requirements: docs/behaviour.md R-SMS-1, R-SMS-2.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${PHONE}    13912345678


*** Test Cases ***
Serial Data Becomes An SMS To The Configured Number
    [Documentation]    In SMS mode every serial packet is sent as an SMS to the SMS number.
    [Tags]    R-SMS-1    needs-network
    Configure SMS Mode    10086
    Send To DTU    temperature 21.5
    SMS Should Be Sent To    10086    temperature 21.5    timeout=30
    Send To DTU    temperature 21.7
    SMS Should Be Sent To    10086    temperature 21.7    timeout=30

An SMS From Any Number Reaches The Serial Port
    [Documentation]    An SMS from any number is written to the serial port; nothing goes back.
    [Tags]    R-SMS-2    needs-network
    Configure SMS Mode    10086
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
    Configure SMS Mode    10086
    Send Text To DTU    你好，世界！温度 25℃
    SMS Should Be Sent To    10086    你好，世界！温度 25℃    timeout=30
    Discard DTU Output
    Inject SMS    ${PHONE}    收到，谢谢
    DTU Should Output Text    收到，谢谢    timeout=30
