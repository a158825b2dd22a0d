-- GET /api/v1/pairings?page_size=20: the count and the first page, joined as the list is.
SELECT COUNT(*) FROM pairings p JOIN organizations o ON o.id = p.organization_id;
SELECT p.*, o.name, o.credit_code, r.name, r.full_name, f.name
  FROM pairings p
  JOIN organizations o ON o.id = p.organization_id
  JOIN regions r ON r.code = p.county_code
  LEFT JOIN regions f ON f.code = r.parent_code
 ORDER BY p.created_at DESC, p.id DESC LIMIT 20;
