package dev.dazai.app.cli;

import java.math.BigDecimal;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Seconds as people write them ({@code 10}, {@code 0.5}, {@code 2s}), converted to milliseconds. */
public final class Seconds implements ITypeConverter<Long> {

    /** A day: longer windows are almost certainly a typo in a unit. */
    static final long MAX_MILLIS = 86_400_000L;

    @Override
    public Long convert(String value) {
        String v = value.strip();
        if (v.endsWith("s")) {
            v = v.substring(0, v.length() - 1);
        }
        BigDecimal seconds;
        try {
            seconds = new BigDecimal(v);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number of seconds (e.g. 10 or 0.5)");
        }
        if (seconds.signum() < 0) {
            throw new TypeConversionException("'" + value + "' is negative; give 0 or more seconds");
        }
        long millis;
        try {
            millis = seconds.movePointRight(3).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (ArithmeticException e) {
            millis = Long.MAX_VALUE;
        }
        if (millis > MAX_MILLIS) {
            throw new TypeConversionException("'" + value + "' is more than a day; give at most 86400 seconds");
        }
        return millis;
    }

    /** Milliseconds as people read them: "10 s", "1.5 s". */
    public static String text(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + " s" : BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }
}
