*** Settings ***
Documentation    The AT commands of the manual's table 2 (manual 3.2, docs/usr721.md):
...              every command answers in its query or set form, standard GSM commands
...              are answered through the modem, refused input answers ERROR and changes
...              nothing. Requirement: docs/behaviour.md R-AT-6.
...
...              Each row is a command line and the reply lines it must get, the result
...              code last: the exact text, or ``regexp=`` and a regular expression.
...              The suite checks usr721's syntax itself: in another dialect its tests are
...              unsupported (tag dialect:usr721).

Library          Collections
Resource         ../resources/dtulab.resource
Variables        ../resources/contract.py

Test Setup       Start Bench In Command Mode
Test Teardown    Stop Bench
Test Template    AT Command Should Answer

Test Tags        dialect:usr721


*** Variables ***
@{DUMP_WITH_SOCKET_2}
...                      +CIPCFG: 1, 0, 0, 100, 1460, 0
...                      +CIPPACK: 0, "7777772E7573722E636E",0
...                      +CIPPACK: 1, "" , 0, OFF
...                      +CSTT: "CMNET", "", ""
...                      +CIPNUM:${SPACE}
...                      +CIPSTART:1,"TCP", "",0, 0
...                      +CIPSTART:2,"UDP", "127.0.0.1",9, 0
...                      +CIPSTART:3,"TCP", "",0, 0
...                      +CIPSTART:4,"TCP", "",0, 0
...                      +CIMOD: 0
...                      +CINETAT:0
...                      +CICOMAT:0
...                      +CINETPT:1,0
...                      +CINETPT:2,0
...                      +CINETPT:3,0
...                      +CINETPT:4,0
...                      OK
${LINE_256}              AT+CIFTP="h",21,"u","p","/${{ "a" * 229 }}"
${OVER_LONG}             AT+CIFTP="h",21,"u","p","/${{ "b" * 230 }}"


*** Test Cases ***    COMMAND    REPLY
Basic Commands And Version
    [Tags]    R-AT-6
    AT    OK
    at    OK
    ATE0    OK
    AT    OK
    ATE1    OK
    AT+CIVER?    regexp=\\+CIVER: \\S.*    OK
    AT+CIVER    regexp=\\+CIVER: \\S.*    OK
    ATW    OK
Work Mode
    [Tags]    R-AT-6    R-MODE-1
    AT+CIMOD?    +CIMOD: 0    OK
    AT+CIMOD=SMS    OK
    AT+CIMOD?    +CIMOD: 4    OK
    AT+CIMOD=3    OK
    AT+CIMOD?    +CIMOD: 3    OK
    AT+CIMOD="0"    OK
    AT+CIMOD?    +CIMOD: 0    OK
Sockets And Their Links
    [Tags]    R-AT-6
    AT+CIPSCONT=2,UDP,127.0.0.1,9,0    OK
    AT+CIPSCONT?    @{DUMP_WITH_SOCKET_2}
    AT+CISOCLINK?    +CISOCLINK: 1,LONG,10    +CISOCLINK: 2,LONG,10
    ...    +CISOCLINK: 3,LONG,10    +CISOCLINK: 4,LONG,10    OK
    AT+CISOCLINK=2,SHORT,30    OK
    AT+CISOCLINK?    +CISOCLINK: 1,LONG,10    +CISOCLINK: 2,SHORT,30
    ...    +CISOCLINK: 3,LONG,10    +CISOCLINK: 4,LONG,10    OK
    AT+CINETPT=2,5000    OK
    AT+CINETPT?    +CINETPT:1,0    +CINETPT:2,5000    +CINETPT:3,0
    ...    +CINETPT:4,0    OK
    AT+CINET?    +CINET: 1,CLOSED    +CINET: 2,CLOSED
    ...    +CINET: 3,CLOSED    +CINET: 4,CLOSED
    ...    +CINET: GPRS,ATTACHED    OK
Packing, Heartbeat And Registration Packets
    [Tags]    R-AT-6
    AT+CIPCFG=1,30,0,50,512,1800    OK
    AT+CIPCFG?    +CIPCFG: 1, 30, 0, 50, 512, 1800    OK
    AT+CIPPACK=0,"31313131","1"    OK
    AT+CIPPACK=1,"31303031","0"    OK
    AT+CIPPACK?    +CIPPACK: 0, "31313131",1
    ...    +CIPPACK: 1, "31303031" , 0, USER    OK
    AT+CIPPACK=1,"","1","IMEI"    OK
    AT+CIPPACK?    +CIPPACK: 0, "31313131",1
    ...    +CIPPACK: 1, "" , 1, IMEI    OK
Serial Port
    [Tags]    R-AT-6
    AT+ICF?    +ICF: 8,N,1    OK
    AT+ICF=7,O,2    OK
    AT+ICF?    +ICF: 7,O,2    OK
    AT+ICF=3,3    OK
    AT+ICF?    +ICF: 8,N,1    OK
    AT+CIPR?    +CIPR: 115200    OK
    AT+CIPR=9600    OK
    AT+CIPR?    +CIPR: 9600    OK
APN, SMS Number, HTTP And FTP Settings
    [Tags]    R-AT-6
    AT+CSTT="UNINET","user","secret"    OK
    AT+CSTT?    +CSTT: "UNINET","user","secret"    OK
    AT+CIPNUM=10086    OK
    AT+CIPNUM?    +CIPNUM: 10086    OK
    AT+CIHTTP=GET,"http://127.0.0.1/"    OK
    AT+CIHTTP?    +CIHTTP: GET,"http://127.0.0.1/",""    OK
    AT+CIFTP="127.0.0.1",2121,"user","pw","/fw.bin"    OK
    AT+CIFTP?    +CIFTP: "127.0.0.1",2121,"user","pw","/fw.bin"    OK
Password And Remote Command Switches
    [Tags]    R-AT-6
    AT+CIPSW="usr.cn","abc123"    OK
    AT+CIPSW="usr.cn","again"    ERROR
    AT+CIPSW=abc123,usr.cn    OK
    AT+CINETAT?    +CINETAT: 0    OK
    AT+CINETAT=1    OK
    AT+CICOMAT=1    OK
    AT+CICOMAT?    +CICOMAT: 1    OK
    AT+CISMSAT?    +CISMSAT: 1    OK
    AT+CIRINGSTA=1    OK
    AT+CIRINGSTA?    +CIRINGSTA: 1    OK
Boot Message, Status And Timing
    [Tags]    R-AT-6
    AT+CIMODID="[USR-GPRS232-721]"    OK
    AT+CIMODID?    +CIMODID: "[USR-GPRS232-721]"    OK
    AT+CIDTUIP?    regexp=\\+CIDTUIP: (?!0\\.0\\.0\\.0)\\d+\\.\\d+\\.\\d+\\.\\d+    OK
    AT+CILAC?    regexp=\\+CILAC: [0-9A-F]+,[0-9A-F]+    OK
    AT+CIOPTIME=200    OK
    ${LINE_256}    OK
Standard GSM Commands Answered By The Modem
    [Tags]    R-AT-6
    AT+CSQ    regexp=\\+CSQ: \\d+,\\d+    OK
    AT+COPS?    regexp=\\+COPS: \\d(,\\d,".+")?    OK
    AT+CCLK?    regexp=\\+CCLK: "\\d\\d/\\d\\d/\\d\\d,\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d"    OK
    AT+CSCA?    regexp=\\+CSCA: ".*",\\d+    OK
    AT+CMGF=1    OK
    AT+CMGF?    +CMGF: 1    OK
    ATS0?    regexp=\\d+    OK
    AT+CIMI    regexp=\\d{15}    OK
IMEI And IMSI Come From The Modem
    [Documentation]    AT+CGSN and AT+CIMI answer the modem's IMEI and the SIM's IMSI.
    [Tags]    R-AT-6    needs-network
    [Template]    NONE
    ${imei}=    Get Modem Identity    imei
    ${imsi}=    Get Modem Identity    imsi
    AT Command Should Answer    AT+CGSN    ${imei}    OK
    AT Command Should Answer    AT+CIMI    ${imsi}    OK
Unknown Commands Answer ERROR And Change Nothing
    [Tags]    R-AT-6
    [Template]    Input Should Be Refused And Change Nothing
    AT+FOO
    HELLO
    AT+CIMOD=0;+CIPNUM=1
    ATE0;+CIVER?
    AT+CIMOD=?
    AT+CIRELOAD?
    ATW1
Malformed Parameters Answer ERROR And Change Nothing
    [Tags]    R-AT-6
    [Template]    Input Should Be Refused And Change Nothing
    AT+CIMOD=
    AT+CIMOD=1,2
    AT+CIMOD=NETT
    AT+CIPSCONT=1,"TCP","10.0.0.1",80
    AT+CIPSCONT=1,"TCP","10.0.0.1,80,1
    AT+CIPSCONT=1,"SCTP","10.0.0.1",80,1
    AT+CIPPACK=0,"313","0"
    AT+CIPPACK=0,"ZZ","0"
    AT+CIPCFG=1,30,0,100
    AT+CIPNUM=abc
    AT+CIHTTP=PUT,"http://127.0.0.1/"
    AT+CIPSW="wrong","new"
    AT+CIPSW="usr.cn","a#b"
Out Of Range Values Answer ERROR And Change Nothing
    [Tags]    R-AT-6
    [Template]    Input Should Be Refused And Change Nothing
    AT+CIMOD=-1
    AT+CIPSCONT=5,"TCP","10.0.0.1",80,1
    AT+ICF=9,N,1
    AT+CIPR=230400
    AT+CIOPTIME=10001
Every Range Of The Contract Holds At Both Ends
    [Documentation]    For every setting of dtulab/contract/usr721.toml with a set line: one past
    ...                either end of its range answers ERROR and changes nothing, each end
    ...                answers OK (the rows come from the contract: robot/resources/contract.py).
    [Tags]    R-AT-6
    [Template]    NONE
    ${before}=    Settings Dump
    FOR    ${line}    IN    @{CONTRACT_REFUSED}
        AT Command Should Answer    ${line}    ERROR
    END
    ${after}=    Settings Dump
    Lists Should Be Equal    ${after}    ${before}
    FOR    ${line}    IN    @{CONTRACT_ACCEPTED}
        AT Command Should Answer    ${line}    OK
    END
An Over-Long Line Answers ERROR And Changes Nothing
    [Documentation]    257 bytes, valid otherwise: refused; 256 bytes are accepted (above).
    [Tags]    R-AT-6
    [Template]    Input Should Be Refused And Change Nothing
    ${OVER_LONG}


*** Keywords ***
Start Bench In Command Mode
    [Documentation]    A fresh bench, the host in command mode.
    Start Bench
    Enter Command Mode

Input Should Be Refused And Change Nothing
    [Documentation]    ``line`` answers ERROR, no setting changes, the DTU still answers.
    [Arguments]    ${line}
    ${before}=    Settings Dump
    AT Command Should Answer    ${line}    ERROR
    ${after}=    Settings Dump
    Lists Should Be Equal    ${after}    ${before}
    AT Command Should Answer    AT    OK
