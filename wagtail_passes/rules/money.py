"""Money as a ``Decimal`` with a currency (SPEC A6).

Amounts are rounded half-up to the currency's minor unit. Only currencies whose
minor unit is 0 or 2 digits are supported, because prices are stored with two
decimal places; three-decimal currencies (BHD, KWD, ...) are refused by
validation rather than rounded silently.

``format_money`` (and ``str(Money)``) is the one way money is put into words: babel's
currency format for the active Django language (en-gb "€90.00", de "90,00 €").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, parse_pattern

from .dates import active_locale

# ISO 4217 codes with their number of minor-unit digits. Zero-decimal currencies
# are listed explicitly; Stripe charges them in whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
TWO_DECIMAL_CURRENCIES = frozenset(
    {
        "AED",
        "ARS",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "RON",
        "RSD",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "ZAR",
    }
)
SUPPORTED_CURRENCIES = ZERO_DECIMAL_CURRENCIES | TWO_DECIMAL_CURRENCIES
CURRENCY_CHOICES = [(code, code) for code in sorted(SUPPORTED_CURRENCIES)]


class UnsupportedCurrency(ValueError):
    pass


def minor_unit_digits(currency: str) -> int:
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in TWO_DECIMAL_CURRENCIES:
        return 2
    raise UnsupportedCurrency(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the currency's minor unit."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money amounts must be Decimal, not {type(amount).__name__}")
    exponent = Decimal(1).scaleb(-minor_unit_digits(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` needs no rounding in ``currency`` (no 10.50 JPY)."""
    return quantize(amount, currency) == amount


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The integer Stripe expects: cents for EUR, whole yen for JPY."""
    return int(quantize(amount, currency).scaleb(minor_unit_digits(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-minor_unit_digits(currency)), currency)


@lru_cache(maxsize=256)
def _currency_pattern(locale: Locale, digits: int) -> NumberPattern:
    # The locale's own pattern ("¤#,##0.00", "#,##0.00 ¤", ...) with our minor unit: CLDR
    # gives HUF, IDR and COP no decimals, but their prices (and Stripe) have two.
    pattern = copy.copy(parse_pattern(locale.currency_formats["standard"]))
    pattern.frac_prec = (digits, digits)
    return pattern


def format_money(amount: Decimal, currency: str, locale: Locale | None = None) -> str:
    """``amount`` in ``currency`` as the active language writes it (or ``locale``'s):
    en-gb "€90.00", "JP¥1,000"; de "90,00 €"; always the currency's minor unit."""
    locale = locale or active_locale()
    digits = minor_unit_digits(currency)
    return format_currency(
        quantize(amount, currency),
        currency,
        format=_currency_pattern(locale, digits),
        locale=locale,
        currency_digits=False,
    )


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, always rounded to its minor unit."""

    amount: Decimal
    currency: str

    def __post_init__(self):
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int):
            raise TypeError("money can only be multiplied by a whole number")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)
