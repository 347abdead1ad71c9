package dev.dazai.app.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A lifetime as ssh-agent -t takes it: plain seconds ({@code 3600}) or units ({@code 90m},
 * {@code 8h}, {@code 1h30m}, {@code 2d}), converted to milliseconds; at most 30 days.
 */
public final class Lifetime implements ITypeConverter<Long> {

    static final long MAX_MILLIS = 30L * 86_400_000L;
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+[smhdw]?)+");
    private static final Pattern PART = Pattern.compile("(\\d+)([smhdw]?)");

    @Override
    public Long convert(String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!WHOLE.matcher(v).matches()) {
            throw new TypeConversionException("'" + value + "' is not a lifetime; give seconds or units, e.g. 3600, 90m, 8h, 1h30m");
        }
        long millis = 0;
        Matcher m = PART.matcher(v);
        while (m.find()) {
            long unit = switch (m.group(2)) {
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "w" -> 604_800_000L;
                default -> 1_000L;
            };
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                n = Long.MAX_VALUE;
            }
            millis = n > MAX_MILLIS / unit ? Long.MAX_VALUE : Math.min(Long.MAX_VALUE - 1, millis + n * unit);
        }
        if (millis > MAX_MILLIS) {
            throw new TypeConversionException("'" + value + "' is more than 30 days; give a shorter lifetime");
        }
        return millis;
    }
}
