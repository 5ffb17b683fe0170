package dev.crabstore.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code message} of a {@code compiler-message} as cargo writes it for {@code --message-format json}: rustc's JSON
 * diagnostic, re-serialised the way cargo does (its {@code CompilerMessage}): {@code rendered} first, without terminal
 * colours, then the other fields with every object's keys in sorted order (serde_json's map), and {@code code} last
 * ({@code code} first inside it).
 */
final class CargoDiagnosticJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CargoDiagnosticJson() {}

    static Map<String, Object> of(String rustcJson) {
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) JSON.readValue(rustcJson, Map.class);
        Map<String, Object> m = new LinkedHashMap<>();
        Object rendered = d.get("rendered");
        m.put("rendered", rendered instanceof String s ? Ansi.strip(s) : rendered);
        new TreeMap<>(d).forEach((k, v) -> {
            if (!k.equals("rendered") && !k.equals("code")) {
                m.put(k, sorted(v));
            }
        });
        Object code = d.get("code");
        if (code instanceof Map<?, ?> c) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("code", sorted(c.get("code")));
            new TreeMap<>(c).forEach((k, v) -> {
                if (!k.equals("code")) {
                    cm.put(String.valueOf(k), sorted(v));
                }
            });
            m.put("code", cm);
        } else {
            m.put("code", sorted(code));
        }
        return m;
    }

    private static Object sorted(Object v) {
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), sorted(x)));
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(x -> out.add(sorted(x)));
            return out;
        }
        return v;
    }
}
