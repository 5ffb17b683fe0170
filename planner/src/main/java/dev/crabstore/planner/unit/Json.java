package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Strict tree access for cargo's JSON documents: every missing or mistyped field is a typed error naming the source. */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private final String source;

    Json(String source) {
        this.source = source;
    }

    JsonNode parse(String text) {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || !n.isObject()) {
                throw new UnitGraphException(source + ": not a JSON object");
            }
            return n;
        } catch (JacksonException e) {
            throw new UnitGraphException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    JsonNode field(JsonNode obj, String name, String where) {
        JsonNode n = obj.get(name);
        if (n == null) {
            throw new UnitGraphException(source + ": " + where + ": missing field '" + name + "'");
        }
        return n;
    }

    String str(JsonNode obj, String name, String where) {
        JsonNode n = field(obj, name, where);
        if (!n.isString()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not a string");
        }
        return n.asString();
    }

    /** A string or null (JSON null or absent). */
    String optStr(JsonNode obj, String name, String where) {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isString()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not a string");
        }
        return n.asString();
    }

    boolean bool(JsonNode obj, String name, String where, boolean dflt) {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not a boolean");
        }
        return n.asBoolean();
    }

    int integer(JsonNode obj, String name, String where) {
        JsonNode n = field(obj, name, where);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not an integer");
        }
        return n.asInt();
    }

    JsonNode array(JsonNode obj, String name, String where) {
        JsonNode n = field(obj, name, where);
        if (!n.isArray()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not an array");
        }
        return n;
    }

    List<String> strings(JsonNode obj, String name, String where) {
        JsonNode n = obj.get(name);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new UnitGraphException(source + ": " + where + ": field '" + name + "' is not an array");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isString()) {
                throw new UnitGraphException(source + ": " + where + ": '" + name + "' holds a non-string");
            }
            out.add(e.asString());
        }
        return List.copyOf(out);
    }

    String source() {
        return source;
    }
}
