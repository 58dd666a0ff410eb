"""Exact money: amounts are integers in the currency's minor unit (cents for EUR, yen for JPY, fils
for KWD), the number of decimals from ISO 4217. Parsing what people type, and showing it. No floats."""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from bot.domain.errors import DomainError
from bot.domain.language import _, current, decimal_mark, grouped, ngettext, numbers_locale

# Active ISO 4217 currencies and their minor-unit exponent (2 unless listed). Funds (ISO 4217's fund codes: units
# of account and settlement funds such as BOV, CLF, USN) and precious metals (XAU, XDR, XTS, XXX ...) are not
# money a deal is priced in: refused (FUNDS keeps the funds' exponents, for amounts stored before that rule).
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF"
    " CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD"
    " HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT"
    " MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR"
    " SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU"
    " UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
EXPONENTS: dict[str, int] = {
    **{code: 2 for code in _TWO.split()},
    **{code: 0 for code in _ZERO.split()},
    **{code: 3 for code in _THREE.split()},
}
FUNDS: dict[str, int] = {"BOV": 2, "CHE": 2, "CHW": 2, "CLF": 4, "COU": 2, "MXV": 2, "USN": 2, "UYI": 0, "UYW": 4}
CURRENCIES: tuple[str, ...] = tuple(sorted(EXPONENTS))
MAX_MAJOR = 10**12  # a deal worth a trillion or more is a typo; stays exact in a card's JSON number too
# Digits are 0-9 only (re.ASCII): another script's digits are refused, not read (several look like other Latin
# digits: Bengali ৪ is 4, drawn like 8), and a card shows the value in 0-9.
_AMOUNT = re.compile(r"(\d{1,13})(?:\.(\d{1,6}))?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"\d{1,3}(?:[.\u00a0\u202f ’']\d{3})+,\d{1,2}|\d+,\d{1,2}", re.ASCII)
_GROUPING = re.compile(r"(?<=\d)[,'_ \u00a0\u202f](?=\d{3}(?:\D|$))", re.ASCII)


def exponent(currency: str) -> int:
    """The currency's decimals (a fund code stored before they were refused keeps its own)."""
    return EXPONENTS.get(currency, FUNDS.get(currency, 2))


def other_digits(text: str) -> bool:
    """Whether the text holds a digit that is not 0-9 (Arabic-Indic ٣, fullwidth １, Bengali ৪ ...)."""
    return any(c.isdigit() and not c.isascii() for c in text)


def currency_code(raw: str | None, field: str = "currency") -> str:
    code = (raw or "").strip().upper()
    if code in FUNDS:
        raise DomainError(
            _(
                "{code} is an ISO 4217 fund code, not a currency a deal is priced in: use a currency such as EUR or USD.",
                code=code,
            ),
            field,
        )
    if code not in EXPONENTS:
        shown = (raw or "").strip()[:12]
        raise DomainError(
            _("“{code}” is not a currency code I know: use an ISO 4217 code such as EUR or USD.", code=shown), field
        )
    return code


def is_currency(word: str) -> bool:
    return word.strip().upper() in EXPONENTS


def parse_amount(raw: str | None, currency: str, field: str = "value") -> int:
    """`25000`, `25,000.50`, `25 000` -> minor units of `currency`; for a reader whose decimal mark is a
    comma (German, Portuguese), `25.000,50` and `25000,5` too. Refuses what is not a plain, non-negative
    amount with at most the currency's decimals (`abc`, `-5`, `1e309`, `inf`)."""
    typed = (raw or "").strip()
    shown = typed[:30]
    if _DECIMAL_COMMA.fullmatch(typed) and decimal_mark(current().locale) == ",":
        # A comma followed by one or two digits can only be a decimal mark (a group has three).
        typed = re.sub(r"[.\u00a0\u202f ’']", "", typed).replace(",", ".")
    if typed.startswith("-"):
        raise DomainError(_("A value can't be negative (“{value}”).", value=shown), field)
    if other_digits(typed):
        raise DomainError(_("Write the amount with the digits 0-9 (“{value}”).", value=shown), field)
    match = _AMOUNT.fullmatch(_GROUPING.sub("", typed))
    if not match:
        raise DomainError(_("“{value}” is not an amount. Write it like 25000 or 25000.50.", value=shown), field)
    places = exponent(currency)
    decimals = match.group(2) or ""
    if len(decimals.rstrip("0")) > places:
        raise DomainError(
            ngettext(
                "{currency} amounts have at most {n} decimal (“{value}”).",
                "{currency} amounts have at most {n} decimals (“{value}”).",
                places,
                currency=currency,
                value=shown,
            ),
            field,
        )
    amount = Decimal(match.group(1) + "." + (decimals or "0"))
    if amount >= MAX_MAJOR:
        largest = current().number(MAX_MAJOR - 1)
        raise DomainError(
            _("“{value}” is too large for a deal's value (at most {largest}).", value=shown, largest=largest), field
        )
    return int(amount.scaleb(places))


def as_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def shown_money(stored: str | None) -> str:
    """An amount as events store it (`25,000.10 EUR`, written in English: bot/services/details.py) the current
    reader's way; anything else as it is."""
    amount, _space, currency = (stored or "").rpartition(" ")
    if not amount or not is_currency(currency):
        return stored or ""
    try:
        return format_money(parse_amount(amount, currency.upper()), currency.upper())
    except DomainError:
        return stored or ""


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """`2500000, "EUR", "de-DE"` -> `25.000,00 EUR`; the exact amount, grouped the reader's way (a BCP 47 tag;
    None: the current reader's, bot/domain/language.py)."""
    return _formatted(minor, currency, numbers_locale(locale.replace("_", "-")) if locale else current().locale)


@functools.lru_cache(maxsize=4096)  # a card shows its value twice; lists and charts repeat amounts
def _formatted(minor: int, currency: str, numbers: str) -> str:
    places = exponent(currency)
    whole, fraction = divmod(minor, 10**places)
    digits = f"{decimal_mark(numbers)}{fraction:0{places}d}" if places else ""
    return f"{grouped(whole, numbers)}{digits} {currency}"
