"""The most common passwords and password roots, lowercase.

Sources: the most frequent entries of the public breach corpora summarised by the NCSC's
"100,000 most common passwords" and similar lists, plus words people in Greater Manchester
and in public services are likely to build passwords from. ``services.accounts`` refuses a
password that is one of these, or one of these with only digits and symbols around it
("Password123!", "manchester2024"), or with common letter-for-symbol swaps ("P@ssw0rd").
The length rule (12 or more characters) already refuses most short ones outright.
"""

from __future__ import annotations

COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
123456 123456789 12345678 12345 1234567 1234567890 123123 111111 000000 654321 666666
121212 112233 123321 7777777 888888 987654321 159753 147258369 123qwe 1q2w3e4r 1q2w3e
1qaz2wsx qwerty qwertyuiop qwerty123 qwertyuiop123 asdfgh asdfghjkl zxcvbnm zxcvbn
qazwsx azerty password password1 password12 password123 password1234 passw0rd p@ssword
p@ssw0rd pass pass123 passpass passwordpassword letmein letmein123 welcome welcome1
welcome123 iloveyou iloveyou1 admin admin123 administrator root toor changeme changeme123
secret secret123 default guest test test123 testing login master monkey dragon football
baseball soccer hockey cricket rugby tennis golf basketball superman batman spiderman
starwars pokemon princess sunshine shadow michael jennifer jordan hunter harley ranger
buster thomas robert daniel andrew joshua matthew anthony charlie george jessica ashley
amanda michelle nicole hannah samantha sophie olivia emily chloe jessica1 liverpool
chelsea arsenal manchester manchesterunited manutd mancity manchestercity united city
everton tottenham leeds newcastle celtic rangers england london britain scotland wales
ireland salford bolton bury oldham rochdale stockport tameside trafford wigan
greatermanchester gmca council government procurement tender social value socialvalue
officer supplier panel auditor nhs summer winter autumn spring january february march
april may june july august september october november december monday friday
love lovely loveme lover flower flowers angel angels baby babygirl blessed freedom
trustno1 whatever nothing computer internet google yahoo hotmail gmail facebook
twitter linkedin microsoft windows apple samsung iphone android mustang ferrari
porsche mercedes yamaha harley killer hello hello123 hellohello hiya cheese chocolate
cookie banana orange apple pepper ginger tigger tiger lion eagle falcon phoenix
dolphin rabbit bunny kitten puppy doggy mickey minnie snoopy garfield scooby
maverick matrix mercury jupiter nirvana metallica slipknot qwerty1 abc123 abcd1234
abcdef abcdefg abcdefgh abc12345 a1b2c3 a1b2c3d4 aa123456 aaaaaa aaaaaaaa zzzzzz
qqqqqq 11111111 00000000 12341234 123abc 1234qwer qwer1234 q1w2e3r4 q1w2e3r4t5
zaq12wsx zaq1zaq1 1qazxsw2 mypassword mypass yourpassword thepassword newpassword
password01 password2 password3 secure security access access14 letmein1 open sesame
opensesame starwars1 jesus christ god godisgood heaven football1 princess1 sunshine1
iloveyou2 loveyou forever always family friends friend together happy smile
beautiful pretty sweet sweetie honey darling sweetheart cutie hotstuff sexy
summer2024 summer2025 winter2024 winter2025 spring2025 autumn2025 christmas easter
holiday holidays vacation weekend birthday anniversary wedding letmeinnow
football123 liverpool1 chelsea1 arsenal1 ronaldo messi beckham rooney cantona
giggs scholes rashford haaland kompany aguero gerrard lampard
doctor nurse teacher student school college university library office work
company business money dollar pound euro bank banking finance account accounts
manager director boss staff team member user username login123 signin
qwertyui asdfjkl zxcvbnm1 poiuytrewq lkjhgfdsa mnbvcxz 1234567891 0987654321
9876543210 147258 258369 369258147 741852963 963852741 159357 951753 852456
""".split()  # noqa: SIM905 - a word list reads best as words
)

#: Letter-for-symbol swaps people make to "strengthen" a word.
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
