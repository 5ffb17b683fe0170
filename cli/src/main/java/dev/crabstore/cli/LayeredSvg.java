package dev.crabstore.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A layered drawing of a dependency graph as SVG, for {@code crabstore graph --format svg} when Graphviz is not
 * installed: each node's column is the length of its longest chain of dependencies (dependencies to the left), nodes
 * in a column are ordered by the mean position of their neighbours (a few sweeps each way), and each edge is a curve
 * from a node to a dependency. Pure and deterministic.
 */
final class LayeredSvg {
    /** A box: up to three lines of text, a fill colour, a dashed border when {@code dashed}. */
    record Node(int id, List<String> lines, String title, String fill, boolean dashed, List<Integer> deps) {}

    static final int BOX_W = 240;
    static final int BOX_H = 48;
    static final int GAP_X = 80;
    static final int GAP_Y = 12;
    static final int MARGIN = 16;

    private LayeredSvg() {}

    /** The column of every node: 0 for no dependencies, else one more than its deepest dependency. */
    static Map<Integer, Integer> layers(List<Node> nodes) {
        Map<Integer, Node> byId = new HashMap<>();
        nodes.forEach(n -> byId.put(n.id(), n));
        Map<Integer, Integer> layer = new HashMap<>();
        for (Node n : nodes) {
            // Iterative post-order: deep graphs must not overflow the stack.
            java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
            java.util.Set<Integer> onPath = new java.util.HashSet<>();
            if (!layer.containsKey(n.id())) {
                stack.push(new int[] {n.id(), 0});
                onPath.add(n.id());
            }
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                List<Integer> deps = byId.get(top[0]).deps();
                if (top[1] < deps.size()) {
                    int d = deps.get(top[1]++);
                    if (byId.containsKey(d) && !layer.containsKey(d)) {
                        if (!onPath.add(d)) {
                            throw new IllegalArgumentException("dependency cycle through node " + d);
                        }
                        stack.push(new int[] {d, 0});
                    }
                    continue;
                }
                stack.pop();
                onPath.remove(top[0]);
                int l = 0;
                for (int d : deps) {
                    if (layer.containsKey(d)) {
                        l = Math.max(l, layer.get(d) + 1);
                    }
                }
                layer.put(top[0], l);
            }
        }
        return layer;
    }

    /** Node ids by column, each column in drawing order (top to bottom). */
    static List<List<Integer>> order(List<Node> nodes) {
        Map<Integer, Integer> layer = layers(nodes);
        int columns = layer.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<List<Integer>> cols = new ArrayList<>();
        for (int i = 0; i < columns; i++) {
            cols.add(new ArrayList<>());
        }
        Map<Integer, List<Integer>> up = new HashMap<>(); // dependents
        Map<Integer, List<Integer>> down = new HashMap<>(); // dependencies
        for (Node n : nodes) {
            cols.get(layer.get(n.id())).add(n.id());
            for (int d : n.deps()) {
                if (layer.containsKey(d)) {
                    down.computeIfAbsent(n.id(), k -> new ArrayList<>()).add(d);
                    up.computeIfAbsent(d, k -> new ArrayList<>()).add(n.id());
                }
            }
        }
        cols.forEach(c -> c.sort(Comparator.naturalOrder()));
        Map<Integer, Double> pos = new HashMap<>();
        for (int sweep = 0; sweep < 8; sweep++) {
            boolean rightward = sweep % 2 == 0;
            for (int ci = 0; ci < columns; ci++) {
                int c = rightward ? ci : columns - 1 - ci;
                positions(cols, pos);
                Map<Integer, List<Integer>> neighbours = rightward ? down : up;
                Map<Integer, Double> key = new HashMap<>();
                for (int id : cols.get(c)) {
                    List<Integer> ns = neighbours.getOrDefault(id, List.of());
                    key.put(id, ns.isEmpty() ? pos.get(id) : ns.stream().mapToDouble(pos::get).average().orElse(0));
                }
                cols.get(c).sort(Comparator.<Integer>comparingDouble(key::get).thenComparing(Comparator.naturalOrder()));
            }
        }
        return cols;
    }

    /** Each node's position in its column, scaled to 0..1 so columns of different heights compare. */
    private static void positions(List<List<Integer>> cols, Map<Integer, Double> pos) {
        for (List<Integer> c : cols) {
            for (int i = 0; i < c.size(); i++) {
                pos.put(c.get(i), c.size() == 1 ? 0.5 : (double) i / (c.size() - 1));
            }
        }
    }

    static String render(List<Node> nodes) {
        List<List<Integer>> cols = order(nodes);
        Map<Integer, Node> byId = new HashMap<>();
        nodes.forEach(n -> byId.put(n.id(), n));
        int tallest = cols.stream().mapToInt(List::size).max().orElse(0);
        int height = MARGIN * 2 + Math.max(1, tallest) * (BOX_H + GAP_Y) - GAP_Y;
        int width = MARGIN * 2 + Math.max(1, cols.size()) * (BOX_W + GAP_X) - GAP_X;
        Map<Integer, double[]> at = new HashMap<>(); // x, y of the box's top left
        for (int c = 0; c < cols.size(); c++) {
            List<Integer> col = cols.get(c);
            double top = MARGIN + (tallest - col.size()) * (BOX_H + GAP_Y) / 2.0; // centred vertically
            for (int i = 0; i < col.size(); i++) {
                at.put(col.get(i), new double[] {MARGIN + c * (BOX_W + GAP_X), top + i * (BOX_H + GAP_Y)});
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<g fill=\"none\" stroke=\"#9aa4ae\" "
                + "stroke-width=\"1\" stroke-opacity=\"0.6\">\n");
        for (Node n : nodes) {
            double[] a = at.get(n.id());
            for (int d : n.deps()) {
                double[] b = at.get(d);
                if (b == null) {
                    continue;
                }
                double x1 = a[0];
                double y1 = a[1] + BOX_H / 2.0;
                double x2 = b[0] + BOX_W;
                double y2 = b[1] + BOX_H / 2.0;
                double mid = (x1 + x2) / 2;
                sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>%n",
                        x1, y1, mid, y1, mid, y2, x2, y2));
            }
        }
        sb.append("</g>\n");
        for (List<Integer> col : cols) {
            for (int id : col) {
                Node n = byId.get(id);
                double[] a = at.get(id);
                sb.append(String.format(Locale.ROOT, "<g id=\"u%d\"><title>%s</title>%n", id, xml(n.title())));
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"4\" "
                        + "fill=\"%s\" stroke=\"#57606a\"%s/>%n", a[0], a[1], BOX_W, BOX_H, n.fill(),
                        n.dashed() ? " stroke-dasharray=\"4 3\"" : ""));
                for (int i = 0; i < n.lines().size() && i < 3; i++) {
                    sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>%n", a[0] + 8,
                            a[1] + 15 + i * 13, i == 0 ? " font-weight=\"bold\"" : i == 2 ? " fill=\"#57606a\" "
                                    + "font-size=\"9\"" : "", xml(clip(n.lines().get(i), i == 2 ? 44 : 36))));
                }
                sb.append("</g>\n");
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
